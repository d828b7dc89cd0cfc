#include "api/engine/engine.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "api/engine/ids.h"
#include "api/engine/shim_client.h"
#include "nlohmann/json.hpp"
#include "registry/unpack/snapshot.h"
#include "runtime/base/errno_status.h"
#include "runtime/base/file_util.h"
#include "runtime/base/status_macros.h"
#include "runtime/cgroups/cgroup.h"
#include "runtime/container/spec_builder.h"
#include "runtime/container/users.h"
#include "runtime/linux/container.h"
#include "runtime/linux/state_dir.h"
#include "runtime/oci/spec_json.h"
#include "runtime/security/capabilities.h"
#include "runtime/shim/exit_file.h"
#include "runtime/shim/shim_pid_file.h"

namespace crate::engine {
namespace {

// A file of the container's root, read without following anything out of
// it (the image decides what /etc/passwd is, symlinks included); empty
// when it has none.
std::string ReadInRoot(const std::string& root, const std::string& path) {
  UniqueFd dir(open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!dir) return "";
  struct open_how how = {};
  how.flags = O_RDONLY | O_CLOEXEC | O_NOCTTY;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  UniqueFd fd(static_cast<int>(
      syscall(SYS_openat2, dir.get(), path.c_str(), &how, sizeof(how))));
  if (!fd) return "";
  std::string out;
  char buf[8192];
  for (;;) {
    ssize_t n = read(fd.get(), buf, sizeof(buf));
    if (n <= 0 || out.size() > (4 << 20)) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

container::ImageConfig ToImageConfig(const registry::ContainerConfig& c) {
  container::ImageConfig out;
  out.user = c.user;
  out.env = c.env;
  out.entrypoint = c.entrypoint;
  out.cmd = c.cmd;
  out.working_dir = c.working_dir;
  out.labels = c.labels;
  out.volumes = c.volumes;
  out.stop_signal = c.stop_signal;
  out.exposed_ports = c.exposed_ports;
  return out;
}

// What --privileged grants: every capability of crated's own bounding set
// (the runtime refuses anything beyond it).
std::vector<std::string> HostCapabilities() {
  absl::StatusOr<security::Capabilities> own = security::CurrentCapabilities();
  return own.ok() ? security::CapabilityNamesOf(own->bounding)
                  : std::vector<std::string>{};
}

bool ProcessAlive(int pid, uint64_t start_time) {
  if (pid <= 0) return false;
  uint64_t now = linux::ProcessStartTime(pid);
  return now != 0 && (start_time == 0 || now == start_time);
}

bool MatchesFilter(const ContainerInfo& c, const std::string& filter) {
  std::pair<std::string, std::string> kv =
      absl::StrSplit(filter, absl::MaxSplits('=', 1));
  const std::string& value = kv.second;
  if (kv.first == "name") return absl::StrContains(c.record.name, value);
  if (kv.first == "id") return absl::StartsWith(c.record.id, value);
  if (kv.first == "status") return StatusName(c.status) == value;
  if (kv.first == "ancestor") {
    return c.record.image == value || c.record.image_id == value ||
           absl::StartsWith(c.record.image_id, value);
  }
  if (kv.first == "label") {
    std::pair<std::string, std::string> lkv =
        absl::StrSplit(value, absl::MaxSplits('=', 1));
    auto it = c.record.labels.find(lkv.first);
    return it != c.record.labels.end() &&
           (value.find('=') == std::string::npos || it->second == lkv.second);
  }
  return false;
}

// `base` with each of `extra` (KEY=value) set, replacing the same key in
// place so that the order stays the container's.
std::vector<std::string> MergeEnv(std::vector<std::string> base,
                                  const std::vector<std::string>& extra) {
  for (const std::string& e : extra) {
    std::string key = e.substr(0, e.find('='));
    auto same = std::find_if(base.begin(), base.end(), [&](const auto& b) {
      return b.substr(0, b.find('=')) == key;
    });
    if (same != base.end()) {
      *same = e;
    } else {
      base.push_back(e);
    }
  }
  return base;
}

}  // namespace

std::string Engine::CgroupVersion() {
  absl::StatusOr<cgroups::Mode> mode = cgroups::DetectMode();
  return mode.ok() ? std::string(cgroups::ModeName(*mode)) : "unknown";
}

absl::string_view StatusName(Status status) {
  switch (status) {
    case Status::kCreated:
      return "created";
    case Status::kRunning:
      return "running";
    case Status::kExited:
      return "exited";
    case Status::kCreating:
      return "creating";
    case Status::kRemoving:
      return "removing";
  }
  return "unknown";
}

absl::StatusOr<std::unique_ptr<Engine>> Engine::Open(
    const EngineOptions& options) {
  std::unique_ptr<Engine> e(new Engine);
  e->options_ = options;
  RETURN_IF_ERROR(MakeDirs(options.root, 0700));
  RETURN_IF_ERROR(MakeDirs(JoinPath(options.run, "shims"), 0700));
  registry::RegistryAccess access;
  if (options.registries.has_value()) {
    access = registry::RegistryAccessFrom(*options.registries);
  } else {
    ASSIGN_OR_RETURN(access,
                     registry::LoadRegistryAccess(options.registries_conf));
  }
  ASSIGN_OR_RETURN(e->images_,
                   registry::ImageService::Open(options.root, access));
  ASSIGN_OR_RETURN(ContainerStore containers,
                   ContainerStore::Open(options.root));
  e->containers_ = std::make_unique<ContainerStore>(std::move(containers));
  ASSIGN_OR_RETURN(VolumeStore volumes, VolumeStore::Open(options.root));
  e->volumes_ =
      std::make_unique<Volumes>(std::move(volumes), e->containers_.get());
  ASSIGN_OR_RETURN(e->events_,
                   EventJournal::Open(JoinPath(options.run, "events")));
  return e;
}

Engine::~Engine() = default;

std::string Engine::ShimDir(const std::string& id) const {
  return JoinPath(JoinPath(options_.run, "shims"), id);
}
std::string Engine::RuntimeRoot() const {
  return JoinPath(options_.run, "runtime");
}
std::string Engine::ExitFile(const std::string& id) const {
  return JoinPath(containers_->ContainerDir(id), "exit.json");
}
std::string Engine::LogFile(const std::string& id) const {
  return JoinPath(containers_->ContainerDir(id), "ctr.log");
}

registry::ImageUsersFn Engine::ImageUsers() {
  return [this](const registry::ImageRecord& image) {
    std::vector<std::string> users;
    absl::StatusOr<ContainerList> all = containers_->List();
    if (!all.ok()) return users;
    std::string id = image.config_digest.ToString();
    for (const ContainerRecord& r : all->records) {
      if (r.image_id == id) users.push_back(r.name);
    }
    return users;
  };
}

absl::StatusOr<ContainerInfo> Engine::Create(const CreateOptions& o) {
  if (o.image.empty()) {
    return absl::InvalidArgumentError("image: required");
  }
  ASSIGN_OR_RETURN(registry::Image image, images_->Inspect(o.image));
  ContainerRecord record;
  record.name = o.name;
  record.image = o.image;
  record.image_id = image.record.config_digest.ToString();
  record.created = absl::Now();
  record.state = ContainerState::kCreating;
  record.labels = o.spec.labels;
  nlohmann::json config;
  config["tty"] = o.spec.tty;
  config["stdin"] = o.spec.stdin_open;
  config["stop_signal"] =
      !o.stop_signal.empty() ? o.stop_signal : image.config.config.stop_signal;
  config["stop_timeout"] = o.stop_timeout_seconds;
  config["auto_remove"] = o.auto_remove;
  record.config = config;
  absl::StatusOr<ContainerRecord> made = containers_->Create(record);
  if (absl::IsAlreadyExists(made.status()) && !o.name.empty() &&
      FreeNameOfRemovedOnExit(o.name)) {
    made = containers_->Create(record);
  }
  if (!made.ok()) return made.status();
  record = *made;
  // From here on, every failure undoes what was made.
  const std::string id = record.id;
  const std::string dir = containers_->ContainerDir(id);
  std::vector<std::string> made_volumes;  // anonymous, made for this one
  auto fail = [&](absl::Status s) -> absl::Status {
    Teardown(record);
    volumes_->DropMade(made_volumes);
    return s;
  };

  absl::StatusOr<registry::RootfsSpec> rootfs =
      images_->PrepareRootfs(id, record.image_id);
  if (!rootfs.ok()) return fail(rootfs.status());
  if (rootfs->overlay) {
    registry::SyscallMounter mounter;
    absl::Status s = mounter.Mount(rootfs->mount);
    if (!s.ok()) return fail(s);
  }

  container::Options spec_options = o.spec;
  if (spec_options.network.empty()) {
    spec_options.network = options_.default_network;
  }
  spec_options.id = id;
  spec_options.rootfs = rootfs->path;
  spec_options.cgroups_path = absl::StrCat("/crate/", id);
  spec_options.host.capabilities = HostCapabilities();
  // Volumes made or found, recorded as this container's and filled from
  // the image (volumes.h), before the spec names their directories.
  absl::StatusOr<std::vector<container::Mount>> mounts =
      volumes_->PrepareMounts(
          {id, rootfs->path, image.config.config.volumes, o.spec.mounts},
          &made_volumes);
  if (!mounts.ok()) return fail(mounts.status());
  spec_options.mounts = *std::move(mounts);
  absl::StatusOr<oci::Spec> spec = container::BuildSpec(
      ToImageConfig(image.config.config),
      ReadInRoot(rootfs->path, "/etc/passwd"),
      ReadInRoot(rootfs->path, "/etc/group"), spec_options);
  if (!spec.ok()) return fail(spec.status());
  absl::Status s = WriteFileAtomic(JoinPath(dir, "config.json"),
                                   oci::SpecToJson(*spec), 0600);
  if (!s.ok()) return fail(s);
  // What ps and inspect show as the command: the process docker's rules
  // made of the image's entrypoint and cmd and the options.
  absl::StatusOr<ContainerRecord> with_command =
      containers_->Update(id, [&](ContainerRecord& r) {
        r.config["command"] = spec->process->args;
        return absl::OkStatus();
      });
  if (!with_command.ok()) return fail(with_command.status());
  record = *with_command;

  absl::StatusOr<ContainerRecord> created = SpawnShimFor(record);
  if (!created.ok()) return fail(created.status());
  Journal(*created, "create");
  return Refresh(*created);
}

bool Engine::FreeNameOfRemovedOnExit(const std::string& name) {
  absl::StatusOr<ContainerRecord> holder = containers_->Resolve(name);
  if (!holder.ok() || holder->name != name ||
      !holder->config.value("auto_remove", false) ||
      Refresh(*holder).status != Status::kExited) {
    return false;
  }
  // Exited and to be removed: only its shim's last seconds kept it.
  Teardown(*holder);
  volumes_->RemoveAnonymousOf(*holder);
  return true;
}

absl::StatusOr<ContainerRecord> Engine::SpawnShimFor(
    const ContainerRecord& record) {
  const std::string& id = record.id;
  RETURN_IF_ERROR(MakeDirs(ShimDir(id), 0700));
  ShimSpawnOptions shim;
  shim.shim_binary = options_.shim_binary;
  shim.id = id;
  shim.bundle = containers_->ContainerDir(id);
  shim.runtime_root = RuntimeRoot();
  shim.shim_dir = ShimDir(id);
  shim.log_path = LogFile(id);
  shim.log_max_bytes = options_.log_max_bytes;
  shim.exit_file = ExitFile(id);
  shim.tty = record.config.value("tty", false);
  shim.stdin_open = record.config.value("stdin", false);
  ASSIGN_OR_RETURN(ShimReady ready, SpawnShim(shim));
  return containers_->Update(id, [&](ContainerRecord& r) {
    r.state = ContainerState::kCreated;
    r.shim_pid = ready.shim_pid;
    r.shim_start_time = linux::ProcessStartTime(ready.shim_pid);
    r.init_pid = ready.init_pid;
    return absl::OkStatus();
  });
}

absl::Status Engine::Respawn(const ContainerRecord& record) {
  const std::string& id = record.id;
  // The overlay is gone after a reboot (a copied root, which has no upper
  // directory, stays as it was).
  const std::string snapshot_dir =
      JoinPath(JoinPath(images_->snapshots().root(), "containers"), id);
  const std::string rootfs = JoinPath(snapshot_dir, "rootfs");
  struct stat root_st, dir_st;
  bool mounted = stat(rootfs.c_str(), &root_st) == 0 &&
                 stat(snapshot_dir.c_str(), &dir_st) == 0 &&
                 root_st.st_dev != dir_st.st_dev;
  if (!mounted && PathExists(JoinPath(snapshot_dir, "upper"))) {
    ASSIGN_OR_RETURN(registry::RootfsSpec spec,
                     images_->PrepareRootfs(id, record.image_id));
    if (spec.overlay) {
      registry::SyscallMounter mounter;
      RETURN_IF_ERROR(mounter.Mount(spec.mount));
    }
  }
  // A shim still lingering after the exit (it stays a few seconds for
  // late clients) holds the socket: it is told to go, and waited for.
  if (ProcessAlive(record.shim_pid, record.shim_start_time)) {
    absl::StatusOr<ShimConnection> conn = ShimConnection::Connect(ShimDir(id));
    if (conn.ok()) {
      conn->Call({{"op", "shutdown"}, {"container", id}}, absl::Seconds(5))
          .IgnoreError();
    }
    absl::Time deadline = absl::Now() + absl::Seconds(5);
    while (ProcessAlive(record.shim_pid, record.shim_start_time) &&
           absl::Now() < deadline) {
      absl::SleepFor(absl::Milliseconds(5));
    }
    if (ProcessAlive(record.shim_pid, record.shim_start_time)) {
      kill(record.shim_pid, SIGKILL);
    }
  }
  // The record keeps the last exit; a crash from here on, with no exit
  // file and no live shim, reads as a shim that died (docs/SERVICE.md).
  if (unlink(ExitFile(id).c_str()) != 0 && errno != ENOENT) {
    return ErrnoStatus("unlink", ExitFile(id));
  }
  return SpawnShimFor(record).status();
}

void Engine::Teardown(const ContainerRecord& record) {
  const std::string& id = record.id;
  if (ProcessAlive(record.shim_pid, record.shim_start_time)) {
    kill(record.shim_pid, SIGKILL);
  } else if (record.shim_pid == 0) {
    // Never acknowledged (crated died during create): a shim that wrote
    // its pid file before its report got lost is found there. One that had
    // not yet is left to notice its unread report and remove its container
    // itself (runtime/shim/shim.cc).
    absl::StatusOr<shim::ShimPid> shim =
        shim::ReadShimPidFile(JoinPath(ShimDir(id), "shim.pid"));
    if (shim.ok() && shim::ShimAlive(*shim)) kill(shim->pid, SIGKILL);
  }
  // The container itself, through its cgroup, and the runtime's state.
  linux::Delete(RuntimeRoot(), id, /*force=*/true).IgnoreError();
  // The overlay (if any) goes before its directories; a copy needs no
  // unmount and the unmount of what is not mounted fails harmlessly.
  std::string rootfs = JoinPath(
      JoinPath(JoinPath(images_->snapshots().root(), "containers"), id),
      "rootfs");
  registry::SyscallMounter mounter;
  mounter.Unmount(rootfs).IgnoreError();
  images_->ReleaseRootfs(id).IgnoreError();
  RemoveTree(ShimDir(id)).IgnoreError();
  containers_->Remove(id).IgnoreError();
}

ContainerInfo Engine::Refresh(const ContainerRecord& record) {
  ContainerInfo info;
  info.record = record;
  info.log_path = LogFile(record.id);
  if (record.config.contains("command") &&
      record.config["command"].is_array()) {
    for (const auto& a : record.config["command"]) {
      if (a.is_string()) info.command.push_back(a.get<std::string>());
    }
  }
  info.bundle = containers_->ContainerDir(record.id);
  switch (record.state) {
    case ContainerState::kCreating:
      info.status = Status::kCreating;
      return info;
    case ContainerState::kRemoving:
      info.status = Status::kRemoving;
      return info;
    default:
      break;
  }
  absl::StatusOr<shim::ExitStatus> exit =
      shim::ReadExitFile(ExitFile(record.id));
  if (!exit.ok() && absl::IsNotFound(exit.status()) &&
      !ProcessAlive(record.shim_pid, record.shim_start_time)) {
    // The shim died without recording an exit (kill -9): the container is
    // stopped through its cgroup and reported exited, as after SIGKILL.
    linux::Delete(RuntimeRoot(), record.id, /*force=*/true).IgnoreError();
    shim::ExitStatus died;
    died.exit_code = 137;
    died.signal = SIGKILL;
    died.finished_at = absl::Now();
    died.reason = "shim died";
    if (shim::WriteExitFile(ExitFile(record.id), died).ok()) exit = died;
  }
  if (exit.ok()) {
    info.status = Status::kExited;
    info.exit_code = exit->exit_code;
    info.finished_at = exit->finished_at;
    info.exit_reason = exit->reason;
    if (record.state != ContainerState::kExited) {
      // The first look after the exit notes it, under the record's lock,
      // so that its die is journaled once however many look at once.
      bool noted = false;
      absl::StatusOr<ContainerRecord> r =
          containers_->Update(record.id, [&](ContainerRecord& r) {
            if (r.state == ContainerState::kExited ||
                r.state == ContainerState::kRemoving) {
              return absl::AlreadyExistsError("exit noted already");
            }
            noted = true;
            r.state = ContainerState::kExited;
            r.exit_code = exit->exit_code;
            r.finished_at = exit->finished_at;
            r.exit_reason = exit->reason;
            return absl::OkStatus();
          });
      if (r.ok()) info.record = *r;
      if (noted) JournalExit(info.record, *exit);
    }
    if (record.config.value("auto_remove", false) &&
        !ProcessAlive(record.shim_pid, record.shim_start_time)) {
      // docker's --rm: whoever looks first after the exit removes it (no
      // crated may have run at the exit); this is its last view. Not
      // while the shim stays on for late clients: an attached one is still
      // to get the exit. The state removing makes the first one the only.
      bool removing =
          containers_
              ->Update(record.id,
                       [](ContainerRecord& r) {
                         if (r.state == ContainerState::kRemoving) {
                           return absl::AlreadyExistsError("being removed");
                         }
                         r.state = ContainerState::kRemoving;
                         return absl::OkStatus();
                       })
              .ok();
      if (removing) {
        Teardown(record);
        volumes_->RemoveAnonymousOf(record);  // as docker's --rm does
        Journal(record, "destroy");
      }
      info.removed = true;
      return info;
    }
    return info;
  }
  info.status = record.state == ContainerState::kRunning ? Status::kRunning
                                                         : Status::kCreated;
  info.pid = record.init_pid;
  return info;
}

absl::Status Engine::Start(const std::string& ref) {
  ASSIGN_OR_RETURN(ContainerRecord record, containers_->Resolve(ref));
  ContainerInfo info = Refresh(record);
  if (info.status == Status::kRunning) {
    return absl::FailedPreconditionError(
        absl::StrCat("container ", record.name, " is already running"));
  }
  if (info.removed) {
    return absl::NotFoundError(
        absl::StrCat("container ", record.name, " was removed on exit"));
  }
  if (info.status == Status::kExited) {
    RETURN_IF_ERROR(Respawn(info.record));
  } else if (info.status != Status::kCreated) {
    return absl::FailedPreconditionError(absl::StrCat(
        "container ", record.name, " is ", StatusName(info.status)));
  }
  ASSIGN_OR_RETURN(ShimConnection conn,
                   ShimConnection::Connect(ShimDir(record.id)));
  RETURN_IF_ERROR(
      conn.Call({{"op", "start"}, {"container", record.id}}, absl::Seconds(30))
          .status());
  ASSIGN_OR_RETURN(ContainerRecord started,
                   containers_->Update(record.id, [](ContainerRecord& r) {
                     r.state = ContainerState::kRunning;
                     r.started_at = absl::Now();
                     return absl::OkStatus();
                   }));
  Journal(started, "start");
  return absl::OkStatus();
}

absl::Status Engine::Kill(const std::string& ref, const std::string& signal) {
  ASSIGN_OR_RETURN(ContainerRecord record, containers_->Resolve(ref));
  ASSIGN_OR_RETURN(int sig,
                   linux::ParseSignal(signal.empty() ? "KILL" : signal));
  ContainerInfo info = Refresh(record);
  if (info.status != Status::kRunning && info.status != Status::kCreated) {
    return absl::FailedPreconditionError(
        absl::StrCat("container ", record.name, " is not running"));
  }
  ASSIGN_OR_RETURN(ShimConnection conn,
                   ShimConnection::Connect(ShimDir(record.id)));
  // Told at its sending, so that the die it causes comes after it in time.
  const absl::Time sent = absl::Now();
  RETURN_IF_ERROR(conn.Call({{"op", "kill"},
                             {"container", record.id},
                             {"signal", sig},
                             {"all", false}},
                            absl::Seconds(10))
                      .status());
  Journal(record, "kill", {{"signal", std::to_string(sig)}}, sent);
  return absl::OkStatus();
}

absl::StatusOr<ExitResult> Engine::Wait(const std::string& ref) {
  ASSIGN_OR_RETURN(ContainerRecord record, containers_->Resolve(ref));
  for (;;) {
    ContainerInfo info = Refresh(record);
    if (info.status == Status::kExited) {
      return ExitResult{info.exit_code,
                        info.finished_at.value_or(absl::InfinitePast())};
    }
    if (info.status != Status::kRunning && info.status != Status::kCreated) {
      return absl::FailedPreconditionError(absl::StrCat(
          "container ", record.name, " is ", StatusName(info.status)));
    }
    // The shim answers when the container exits; its death closes the
    // connection, and the next round finds out which it was.
    absl::StatusOr<ShimConnection> conn =
        ShimConnection::Connect(ShimDir(record.id));
    if (conn.ok()) {
      conn->Call({{"op", "wait"}, {"container", record.id}, {"exec_id", ""}},
                 absl::Hours(24 * 365))
          .IgnoreError();
    } else {
      absl::SleepFor(absl::Milliseconds(20));
    }
    ASSIGN_OR_RETURN(record, containers_->Get(record.id));
  }
}

absl::Status Engine::Stop(const std::string& ref,
                          absl::optional<int> timeout_seconds) {
  ASSIGN_OR_RETURN(ContainerRecord record, containers_->Resolve(ref));
  ContainerInfo info = Refresh(record);
  if (info.status != Status::kRunning && info.status != Status::kCreated) {
    return absl::OkStatus();  // docker: stopping a stopped one is fine
  }
  std::string stop_signal = record.config.value("stop_signal", "");
  int timeout =
      timeout_seconds.value_or(record.config.value("stop_timeout", 10));
  absl::Status s = Kill(record.id, stop_signal.empty() ? "TERM" : stop_signal);
  if (!s.ok() && !absl::IsFailedPrecondition(s)) return s;
  absl::Time deadline = absl::Now() + absl::Seconds(timeout);
  while (absl::Now() < deadline) {
    if (Refresh(*containers_->Get(record.id)).status == Status::kExited) {
      Journal(record, "stop");
      return absl::OkStatus();
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
  s = Kill(record.id, "KILL");
  if (!s.ok() && !absl::IsFailedPrecondition(s)) return s;
  RETURN_IF_ERROR(Wait(record.id).status());
  Journal(record, "stop");
  return absl::OkStatus();
}

absl::Status Engine::Remove(const std::string& ref, bool force,
                            bool remove_volumes) {
  ASSIGN_OR_RETURN(ContainerRecord record, containers_->Resolve(ref));
  ContainerInfo info = Refresh(record);
  if (info.removed) return absl::OkStatus();  // done on exit, just now
  if ((info.status == Status::kRunning || info.status == Status::kCreated) &&
      !force) {
    return absl::FailedPreconditionError(
        absl::StrCat("container ", record.name, " is ", StatusName(info.status),
                     ": stop it first, or remove it with force"));
  }
  RETURN_IF_ERROR(containers_
                      ->Update(record.id,
                               [](ContainerRecord& r) {
                                 r.state = ContainerState::kRemoving;
                                 return absl::OkStatus();
                               })
                      .status());
  // Killed with its shim: no exit file tells this end.
  if (info.status == Status::kRunning)
    Journal(record, "die", {{"exitCode", "137"}});
  Teardown(record);
  if (remove_volumes) volumes_->RemoveAnonymousOf(record);
  Journal(record, "destroy");
  return absl::OkStatus();
}

absl::StatusOr<std::vector<ContainerInfo>> Engine::List(
    const ListOptions& options) {
  ASSIGN_OR_RETURN(ContainerList all, containers_->List());
  std::vector<ContainerInfo> out;
  for (const ContainerRecord& r : all.records) {
    ContainerInfo info = Refresh(r);
    if (info.removed) continue;
    if (!options.all && info.status != Status::kRunning) continue;
    bool keep = true;
    for (const std::string& f : options.filters) {
      keep = keep && MatchesFilter(info, f);
    }
    if (keep) out.push_back(std::move(info));
  }
  std::sort(out.begin(), out.end(),
            [](const ContainerInfo& a, const ContainerInfo& b) {
              return a.record.created > b.record.created;
            });
  if (options.limit > 0 && out.size() > static_cast<size_t>(options.limit)) {
    out.resize(options.limit);
  }
  return out;
}

absl::StatusOr<ContainerInfo> Engine::Inspect(const std::string& ref) {
  ASSIGN_OR_RETURN(ContainerRecord record, containers_->Resolve(ref));
  ContainerInfo info = Refresh(record);
  if (info.removed) {
    return absl::NotFoundError(
        absl::StrCat("no such container: ", ref, " (removed on exit)"));
  }
  return info;
}

absl::StatusOr<std::unique_ptr<ProcessStream>> Engine::Attach(
    const std::string& ref, const AttachOptions& o) {
  ASSIGN_OR_RETURN(ContainerRecord record, containers_->Resolve(ref));
  ContainerInfo info = Refresh(record);
  if (info.status == Status::kExited && !info.removed && o.ready_exited) {
    RETURN_IF_ERROR(Respawn(info.record));
    ASSIGN_OR_RETURN(record, containers_->Get(record.id));
    info = Refresh(record);
  }
  if (info.status != Status::kRunning && info.status != Status::kCreated) {
    return absl::FailedPreconditionError(
        absl::StrCat("container ", record.name, " is ", StatusName(info.status),
                     ": you cannot attach to a stopped container, start it "
                     "first"));
  }
  if (o.stdin && !record.config.value("stdin", false)) {
    return absl::FailedPreconditionError(
        absl::StrCat("container ", record.name,
                     " was created without stdin (-i): there is none to "
                     "attach to"));
  }
  ASSIGN_OR_RETURN(ShimConnection conn,
                   ShimConnection::Connect(ShimDir(record.id)));
  RETURN_IF_ERROR(conn.Call({{"op", "attach"},
                             {"container", record.id},
                             {"exec_id", ""},
                             {"stdin", o.stdin},
                             {"stdout", o.stdout},
                             {"stderr", o.stderr}},
                            absl::Seconds(30))
                      .status());
  return std::make_unique<ProcessStream>("", info.pid, std::move(conn));
}

absl::StatusOr<std::unique_ptr<ProcessStream>> Engine::Exec(
    const std::string& ref, const ExecOptions& o) {
  if (o.cmd.empty()) return absl::InvalidArgumentError("exec: no command");
  ASSIGN_OR_RETURN(ContainerRecord record, containers_->Resolve(ref));
  if (Refresh(record).status != Status::kRunning) {
    return absl::FailedPreconditionError(
        absl::StrCat("container ", record.name, " is not running"));
  }
  const std::string bundle = containers_->ContainerDir(record.id);
  ASSIGN_OR_RETURN(std::string config_text,
                   ReadFile(JoinPath(bundle, "config.json"), 16 << 20));
  nlohmann::json config = nlohmann::json::parse(config_text, nullptr, false);
  if (config.is_discarded() || !config.is_object() ||
      !config.contains("process") || !config["process"].is_object()) {
    return absl::DataLossError(
        absl::StrCat(bundle, "/config.json: no process"));
  }
  // The container's process is the template: an exec gets its
  // capabilities, limits and security settings, as docker's does.
  nlohmann::json process = config["process"];
  process.erase("consoleSize");
  process["args"] = o.cmd;
  std::vector<std::string> env;
  if (process.contains("env") && process["env"].is_array()) {
    for (const auto& e : process["env"]) {
      if (e.is_string()) env.push_back(e.get<std::string>());
    }
  }
  process["env"] = MergeEnv(std::move(env), o.env);
  if (!o.working_dir.empty()) {
    if (o.working_dir[0] != '/') {
      return absl::InvalidArgumentError(absl::StrCat(
          "working dir \"", o.working_dir, "\": must be an absolute path"));
    }
    process["cwd"] = o.working_dir;
  }
  if (!o.user.empty()) {
    std::string root = config.contains("root") && config["root"].is_object()
                           ? config["root"].value("path", "rootfs")
                           : "rootfs";
    if (root.empty() || root[0] != '/') root = JoinPath(bundle, root);
    absl::StatusOr<container::ResolvedUser> user =
        container::ResolveUser(o.user, ReadInRoot(root, "/etc/passwd"),
                               ReadInRoot(root, "/etc/group"));
    if (!user.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("user: ", user.status().message()));
    }
    nlohmann::json u = {{"uid", user->uid}, {"gid", user->gid}};
    if (!user->additional_gids.empty()) {
      u["additionalGids"] = user->additional_gids;
    }
    process["user"] = u;
  }

  ASSIGN_OR_RETURN(std::string exec_id, NewId());
  ASSIGN_OR_RETURN(ShimConnection conn,
                   ShimConnection::Connect(ShimDir(record.id)));
  ASSIGN_OR_RETURN(nlohmann::json started,
                   conn.Call({{"op", "exec"},
                              {"container", record.id},
                              {"exec_id", exec_id},
                              {"process", process},
                              {"tty", o.tty},
                              {"stdin", o.stdin && !o.detach}},
                             absl::Seconds(30)));
  const pid_t pid = started.value("pid", 0);
  if (o.detach) return std::make_unique<ProcessStream>(exec_id, pid);
  // Attached after the exec on a connection of its own: the shim holds the
  // early output for this first client, and the first connection stays
  // free of stream frames.
  ASSIGN_OR_RETURN(ShimConnection attached,
                   ShimConnection::Connect(ShimDir(record.id)));
  RETURN_IF_ERROR(attached
                      .Call({{"op", "attach"},
                             {"container", record.id},
                             {"exec_id", exec_id},
                             {"stdin", o.stdin},
                             {"stdout", true},
                             {"stderr", true}},
                            absl::Seconds(30))
                      .status());
  return std::make_unique<ProcessStream>(exec_id, pid, std::move(attached));
}

absl::Status Engine::Reconcile() {
  ASSIGN_OR_RETURN(ContainerList all, containers_->List());
  for (const ContainerRecord& r : all.records) {
    if (r.state == ContainerState::kCreating ||
        r.state == ContainerState::kRemoving) {
      Teardown(r);  // never acknowledged, or half removed
      continue;
    }
    Refresh(r);
  }
  return containers_->Repair().status();
}

}  // namespace crate::engine
