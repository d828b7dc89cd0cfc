#include "runtime/linux/container.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "runtime/base/errno_status.h"
#include "runtime/base/file_util.h"
#include "runtime/base/status_macros.h"
#include "runtime/cgroups/systemd/systemd_cgroup.h"
#include "runtime/linux/cgroup_config.h"
#include "runtime/linux/container_internal.h"
#include "runtime/linux/hooks.h"
#include "runtime/linux/launcher.h"
#include "runtime/resctrl/plan.h"
#include "runtime/security/capabilities.h"

namespace crate::linux {
namespace internal {

bool HostApparmor() {
  return access("/sys/kernel/security/apparmor", F_OK) == 0;
}

bool HostSelinux() { return access("/sys/fs/selinux", F_OK) == 0; }

uint64_t OwnCapabilityBounding() {
  absl::StatusOr<security::Capabilities> own = security::CurrentCapabilities();
  return own.ok() ? own->bounding : ~uint64_t{0};
}

std::unique_ptr<cgroups::Cgroup> OpenRecordCgroup(const ContainerRecord& r) {
  if (r.cgroup_path.empty()) return nullptr;
  if (!r.systemd_unit.empty()) {
    auto cg = cgroups::systemd::SystemdCgroup::Open(
        cgroups::kDefaultRoot, r.systemd_unit, r.systemd_user, r.cgroup_path);
    if (!cg.ok()) return nullptr;
    return *std::move(cg);
  }
  cgroups::Options options;
  options.path = r.cgroup_path;
  absl::StatusOr<std::unique_ptr<cgroups::Cgroup>> cg =
      cgroups::OpenCgroup(options);
  if (!cg.ok()) return nullptr;
  return *std::move(cg);
}

}  // namespace internal

namespace {

struct SignalName {
  const char* name;
  int number;
};
constexpr SignalName kSignals[] = {
    {"HUP", SIGHUP},   {"INT", SIGINT},       {"QUIT", SIGQUIT},
    {"ILL", SIGILL},   {"TRAP", SIGTRAP},     {"ABRT", SIGABRT},
    {"IOT", SIGIOT},   {"BUS", SIGBUS},       {"FPE", SIGFPE},
    {"KILL", SIGKILL}, {"USR1", SIGUSR1},     {"SEGV", SIGSEGV},
    {"USR2", SIGUSR2}, {"PIPE", SIGPIPE},     {"ALRM", SIGALRM},
    {"TERM", SIGTERM}, {"STKFLT", SIGSTKFLT}, {"CHLD", SIGCHLD},
    {"CONT", SIGCONT}, {"STOP", SIGSTOP},     {"TSTP", SIGTSTP},
    {"TTIN", SIGTTIN}, {"TTOU", SIGTTOU},     {"URG", SIGURG},
    {"XCPU", SIGXCPU}, {"XFSZ", SIGXFSZ},     {"VTALRM", SIGVTALRM},
    {"PROF", SIGPROF}, {"WINCH", SIGWINCH},   {"IO", SIGIO},
    {"POLL", SIGPOLL}, {"PWR", SIGPWR},       {"SYS", SIGSYS},
};

// Processes sharing the init's pid namespace (the container's, when it
// has its own).
std::vector<pid_t> PidsInNamespaceOf(pid_t init) {
  std::vector<pid_t> out;
  struct stat ns;
  if (stat(absl::StrCat("/proc/", init, "/ns/pid").c_str(), &ns) != 0) {
    return out;
  }
  struct stat self;
  if (stat("/proc/self/ns/pid", &self) == 0 && self.st_ino == ns.st_ino) {
    // Shares the host's pid namespace: only the init is known to be ours.
    out.push_back(init);
    return out;
  }
  DIR* dir = opendir("/proc");
  if (dir == nullptr) return out;
  while (struct dirent* e = readdir(dir)) {
    pid_t pid;
    if (!absl::SimpleAtoi(e->d_name, &pid)) continue;
    struct stat st;
    if (stat(absl::StrCat("/proc/", pid, "/ns/pid").c_str(), &st) == 0 &&
        st.st_ino == ns.st_ino && st.st_dev == ns.st_dev) {
      out.push_back(pid);
    }
  }
  closedir(dir);
  return out;
}

// Running, refined by the freezer: paused.
oci::ContainerStatus RefineByFreezer(oci::ContainerStatus status,
                                     const cgroups::Cgroup* cg) {
  if (status != oci::ContainerStatus::kRunning || cg == nullptr) {
    return status;
  }
  absl::StatusOr<cgroups::FreezerState> f = cg->GetFreezerState();
  if (f.ok() && *f != cgroups::FreezerState::kThawed) {
    return oci::ContainerStatus::kPaused;
  }
  return status;
}

absl::Status NotFound(const std::string& id) {
  return absl::NotFoundError(
      absl::StrCat("container \"", id, "\" does not exist"));
}

}  // namespace

Container::Container(std::string root, std::string id, ContainerRecord record,
                     FileId file)
    : root_(std::move(root)),
      id_(std::move(id)),
      record_(std::move(record)),
      file_(file),
      init_(InitProcess::Open(record_.state.pid, record_.init_start_time)) {}

Container::Container(Container&&) noexcept = default;
Container& Container::operator=(Container&&) noexcept = default;
Container::~Container() = default;

absl::StatusOr<Container::FileId> Container::StatRecord(
    const ContainerDir& dir) {
  std::string path = dir.record_path();
  struct stat st;
  if (stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) {
      return absl::NotFoundError(absl::StrCat(
          "container \"", dir.id(), "\" has no state (its creation failed?)"));
    }
    return ErrnoStatus("stat", path);
  }
  FileId id;
  id.ino = st.st_ino;
  id.ctime_ns = int64_t{st.st_ctim.tv_sec} * 1000000000 + st.st_ctim.tv_nsec;
  return id;
}

absl::StatusOr<Container> Container::Load(const std::string& root,
                                          const std::string& id) {
  ASSIGN_OR_RETURN(ContainerDir dir, ContainerDir::Open(root, id));
  ASSIGN_OR_RETURN(FileId file, StatRecord(dir));
  ASSIGN_OR_RETURN(ContainerRecord record, dir.Load());
  return Container(root, id, std::move(record), file);
}

absl::StatusOr<ContainerDir> Container::Lock() {
  if (deleted_) return NotFound(id_);
  ASSIGN_OR_RETURN(ContainerDir dir, ContainerDir::Open(root_, id_));
  ASSIGN_OR_RETURN(FileId file, StatRecord(dir));
  if (file == file_) return dir;
  ASSIGN_OR_RETURN(ContainerRecord record, dir.Load());
  // Deleted and made again under the same ID: another container, which
  // this object must not act on.
  if (record.created != record_.created) {
    return absl::NotFoundError(
        absl::StrCat("container \"", id_,
                     "\" does not exist (the ID now names a container "
                     "created at ",
                     record.created, ")"));
  }
  if (record.state.pid != record_.state.pid ||
      record.init_start_time != record_.init_start_time) {
    init_ = InitProcess::Open(record.state.pid, record.init_start_time);
  }
  if (record.cgroup_path != record_.cgroup_path ||
      record.systemd_unit != record_.systemd_unit) {
    cgroup_.reset();
    cgroup_opened_ = false;
  }
  record_ = std::move(record);
  file_ = file;
  return dir;
}

oci::ContainerStatus Container::LiveStatus(const ContainerDir& dir) {
  if (!init_.Alive()) return oci::ContainerStatus::kStopped;
  // A create that has not finished, or was killed before it did: the init
  // lives but was never reported created.
  if (record_.state.status == oci::ContainerStatus::kCreating) {
    return oci::ContainerStatus::kCreating;
  }
  if (ExecFifoExists(dir.path())) return oci::ContainerStatus::kCreated;
  return oci::ContainerStatus::kRunning;
}

oci::ContainerStatus Container::LiveStatusWithFreezer(const ContainerDir& dir) {
  oci::ContainerStatus status = LiveStatus(dir);
  if (status != oci::ContainerStatus::kRunning) return status;
  return RefineByFreezer(status, cgroup());
}

cgroups::Cgroup* Container::cgroup() {
  if (!cgroup_opened_) {
    cgroup_ = internal::OpenRecordCgroup(record_);
    cgroup_opened_ = true;
  }
  return cgroup_.get();
}

absl::StatusOr<cgroups::Cgroup*> Container::ExistingCgroup() {
  cgroups::Cgroup* cg = cgroup();
  if (cg == nullptr || !cg->Exists()) {
    return absl::FailedPreconditionError(
        absl::StrCat("container \"", id_, "\" has no cgroup"));
  }
  return cg;
}

absl::Status Container::CheckNotStopped(const ContainerDir& dir) {
  if (LiveStatus(dir) == oci::ContainerStatus::kStopped) {
    return absl::FailedPreconditionError(
        absl::StrCat("container \"", id_, "\" is stopped"));
  }
  return absl::OkStatus();
}

absl::StatusOr<const oci::Spec*> Container::Spec() {
  if (spec_ == nullptr) {
    std::string config_path = JoinPath(record_.state.bundle, "config.json");
    ASSIGN_OR_RETURN(std::string text, ReadFile(config_path));
    absl::StatusOr<oci::Spec> spec = oci::ParseSpec(text);
    if (!spec.ok()) return Annotate(spec.status(), config_path);
    spec_ = std::make_unique<oci::Spec>(*std::move(spec));
  }
  return spec_.get();
}

absl::Status Container::Start(std::string* warning) {
  ASSIGN_OR_RETURN(ContainerDir dir, Lock());
  oci::ContainerStatus status = LiveStatus(dir);
  if (status != oci::ContainerStatus::kCreated) {
    return absl::FailedPreconditionError(absl::StrCat(
        "cannot start a container that is ", oci::StatusName(status)));
  }
  RETURN_IF_ERROR(StartContainer(dir.path(), init_.pid()));
  if (!record_.poststart.empty()) {
    oci::State state = record_.state;
    state.status = oci::ContainerStatus::kRunning;
    absl::Status s =
        RunHooks(record_.poststart, oci::StateToJson(state, /*pretty=*/false),
                 "poststart");
    if (!s.ok() && warning != nullptr) *warning = std::string(s.message());
  }
  return absl::OkStatus();
}

absl::StatusOr<ContainerRecord> Container::State() {
  ASSIGN_OR_RETURN(ContainerDir dir, Lock());
  ContainerRecord r = record_;
  r.state.status = LiveStatusWithFreezer(dir);
  if (r.state.status == oci::ContainerStatus::kStopped) r.state.pid = 0;
  return r;
}

absl::Status Container::Kill(int signal, bool all) {
  ASSIGN_OR_RETURN(ContainerDir dir, Lock());
  oci::ContainerStatus status = LiveStatus(dir);
  if (all) {
    // What is left in the cgroup after the init exited (processes of a
    // pod's shared pid namespace): containerd kills it on every pod
    // teardown, and runc signals it.
    cgroups::Cgroup* cg = cgroup();
    if (cg != nullptr && cg->Exists()) return cg->Kill(signal);
  }
  if (status == oci::ContainerStatus::kStopped) {
    return absl::FailedPreconditionError("container not running");
  }
  if (!all) return init_.Signal(signal);
  for (pid_t pid : PidsInNamespaceOf(init_.pid())) {
    if (pid == init_.pid()) {
      RETURN_IF_ERROR(init_.Signal(signal));
    } else if (::kill(pid, signal) != 0 && errno != ESRCH) {
      return ErrnoStatus(absl::StrCat("kill ", pid));
    }
  }
  return absl::OkStatus();
}

absl::Status Container::Delete(bool force, std::string* warning) {
  absl::StatusOr<ContainerDir> dir = Lock();
  if (!dir.ok()) {
    if (force && absl::IsNotFound(dir.status())) {
      deleted_ = true;
      return absl::OkStatus();
    }
    return dir.status();
  }
  return DeleteLocked(*dir, force, warning);
}

absl::Status Container::DeleteLocked(ContainerDir& dir, bool force,
                                     std::string* warning) {
  oci::ContainerStatus status = LiveStatusWithFreezer(dir);
  if (status == oci::ContainerStatus::kRunning ||
      status == oci::ContainerStatus::kPaused) {
    if (!force) {
      return absl::FailedPreconditionError(
          absl::StrCat("cannot delete container \"", id_,
                       "\" that is not stopped: ", oci::StatusName(status)));
    }
  }
  cgroups::Cgroup* cg = cgroup();
  if (status != oci::ContainerStatus::kStopped) {
    // A frozen process cannot die; the cgroup driver kills frozen first and
    // thaws.
    if (cg != nullptr && cg->Exists()) cg->Kill(SIGKILL).IgnoreError();
    for (pid_t pid : PidsInNamespaceOf(init_.pid())) {
      if (pid != init_.pid()) ::kill(pid, SIGKILL);
    }
    init_.Signal(SIGKILL).IgnoreError();
    if (!init_.WaitExited(5000)) {
      return absl::DeadlineExceededError(
          absl::StrCat("container \"", id_, "\" init ", init_.pid(),
                       " did not die after SIGKILL"));
    }
  }
  if (cg != nullptr) {
    RETURN_IF_ERROR(Annotate(cg->Destroy(/*force=*/true),
                             absl::StrCat("cgroup ", record_.cgroup_path)));
  }
  if (record_.intel_rdt) {
    RETURN_IF_ERROR(
        Annotate(resctrl::Remove(*record_.intel_rdt), "linux.intelRdt"));
  }
  RETURN_IF_ERROR(dir.Remove());
  deleted_ = true;
  if (!record_.poststop.empty()) {
    oci::State state = record_.state;
    state.status = oci::ContainerStatus::kStopped;
    state.pid = 0;
    absl::Status s =
        RunHooks(record_.poststop, oci::StateToJson(state, /*pretty=*/false),
                 "poststop");
    if (!s.ok() && warning != nullptr) *warning = std::string(s.message());
  }
  return absl::OkStatus();
}

absl::Status Container::Pause() {
  ASSIGN_OR_RETURN(ContainerDir dir, Lock());
  oci::ContainerStatus status = LiveStatusWithFreezer(dir);
  if (status != oci::ContainerStatus::kRunning &&
      status != oci::ContainerStatus::kCreated) {
    return absl::FailedPreconditionError(
        absl::StrCat("container \"", id_, "\" is ", oci::StatusName(status),
                     ", not running"));
  }
  cgroups::Cgroup* cg = cgroup();
  if (cg == nullptr) {
    return absl::FailedPreconditionError(
        absl::StrCat("container \"", id_, "\" has no cgroup to freeze"));
  }
  return cg->Freeze();
}

absl::Status Container::Resume() {
  ASSIGN_OR_RETURN(ContainerDir dir, Lock());
  if (LiveStatusWithFreezer(dir) != oci::ContainerStatus::kPaused) {
    return absl::FailedPreconditionError(
        absl::StrCat("container \"", id_, "\" is not paused"));
  }
  cgroups::Cgroup* cg = cgroup();
  if (cg == nullptr) return absl::InternalError("container has no cgroup");
  return cg->Thaw();
}

absl::StatusOr<std::vector<pid_t>> Container::Pids() {
  ASSIGN_OR_RETURN(ContainerDir dir, Lock());
  cgroups::Cgroup* cg = cgroup();
  if (cg != nullptr && cg->Exists()) return cg->Pids();
  if (LiveStatus(dir) == oci::ContainerStatus::kStopped) {
    return std::vector<pid_t>{};
  }
  return PidsInNamespaceOf(init_.pid());
}

absl::Status Container::Update(const oci::Resources& resources) {
  ASSIGN_OR_RETURN(ContainerDir dir, Lock());
  RETURN_IF_ERROR(CheckNotStopped(dir));
  ASSIGN_OR_RETURN(cgroups::Cgroup * cg, ExistingCgroup());
  return cg->Update(ToCgroupResources(resources));
}

absl::StatusOr<cgroups::Stats> Container::Stats() {
  ASSIGN_OR_RETURN(ContainerDir dir, Lock());
  RETURN_IF_ERROR(CheckNotStopped(dir));
  ASSIGN_OR_RETURN(cgroups::Cgroup * cg, ExistingCgroup());
  return cg->ReadStats();
}

absl::Status Container::UpdateIntelRdt(const std::string& l3_cache_schema,
                                       const std::string& mem_bw_schema) {
  ASSIGN_OR_RETURN(ContainerDir dir, Lock());
  RETURN_IF_ERROR(CheckNotStopped(dir));
  if (!record_.intel_rdt) {
    return absl::FailedPreconditionError(absl::StrCat(
        "container \"", id_,
        "\" was created without linux.intelRdt, so it has no resctrl group "
        "to update"));
  }
  ASSIGN_OR_RETURN(
      std::string schemata,
      resctrl::UpdateSchemata(l3_cache_schema, mem_bw_schema,
                              resctrl::ReadFeatures(record_.intel_rdt->root)));
  return Annotate(resctrl::WriteSchemata(*record_.intel_rdt, schemata),
                  "linux.intelRdt");
}

absl::StatusOr<absl::optional<resctrl::Stats>> Container::IntelRdtStats() {
  ASSIGN_OR_RETURN(ContainerDir dir, Lock());
  if (!record_.intel_rdt) return absl::optional<resctrl::Stats>();
  ASSIGN_OR_RETURN(resctrl::Stats st, resctrl::ReadStats(*record_.intel_rdt));
  return absl::optional<resctrl::Stats>(std::move(st));
}

absl::StatusOr<cgroups::OomWatch> Container::WatchOom() {
  ASSIGN_OR_RETURN(ContainerDir dir, Lock());
  ASSIGN_OR_RETURN(cgroups::Cgroup * cg, ExistingCgroup());
  return cg->WatchOom();
}

absl::Status Delete(const std::string& root, const std::string& id, bool force,
                    std::string* warning) {
  absl::StatusOr<ContainerDir> dir = ContainerDir::Open(root, id);
  if (!dir.ok()) {
    if (force && absl::IsNotFound(dir.status())) return absl::OkStatus();
    return dir.status();
  }
  absl::StatusOr<Container::FileId> file = Container::StatRecord(*dir);
  absl::StatusOr<ContainerRecord> r =
      file.ok() ? dir->Load() : absl::StatusOr<ContainerRecord>(file.status());
  if (!r.ok()) {
    // A directory without a record is what a failed create leaves while
    // it still runs; anything else is debris that delete may clear.
    if (force || absl::IsNotFound(r.status())) return dir->Remove();
    return r.status();
  }
  Container c(root, id, *std::move(r), *file);
  return c.DeleteLocked(*dir, force, warning);
}

absl::StatusOr<int> ParseSignal(absl::string_view name) {
  int number;
  if (absl::SimpleAtoi(name, &number)) {
    if (number <= 0 || number > SIGRTMAX) {
      return absl::InvalidArgumentError(
          absl::StrCat("invalid signal \"", name, "\""));
    }
    return number;
  }
  std::string upper = absl::AsciiStrToUpper(name);
  absl::string_view bare = upper;
  absl::ConsumePrefix(&bare, "SIG");
  for (const SignalName& s : kSignals) {
    if (bare == s.name) return s.number;
  }
  if (absl::ConsumePrefix(&bare, "RTMIN")) {
    int off = 0;
    if (bare.empty() ||
        (absl::ConsumePrefix(&bare, "+") && absl::SimpleAtoi(bare, &off))) {
      if (SIGRTMIN + off <= SIGRTMAX) return SIGRTMIN + off;
    }
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown signal \"", name, "\""));
}

absl::StatusOr<std::vector<ContainerRecord>> List(const std::string& root) {
  ASSIGN_OR_RETURN(std::vector<std::string> ids, ListContainerIds(root));
  std::vector<ContainerRecord> out;
  for (const std::string& id : ids) {
    std::string path = JoinPath(root, id);
    absl::StatusOr<std::string> text = ReadFile(JoinPath(path, "state.json"));
    if (!text.ok()) continue;  // Being created or deleted.
    absl::StatusOr<ContainerRecord> r = ParseRecord(*text);
    if (!r.ok()) continue;
    oci::ContainerStatus status = CurrentStatus(*r, path);
    if (status == oci::ContainerStatus::kRunning) {
      status = RefineByFreezer(status, internal::OpenRecordCgroup(*r).get());
    }
    r->state.status = status;
    if (r->state.status == oci::ContainerStatus::kStopped) r->state.pid = 0;
    out.push_back(*std::move(r));
  }
  return out;
}

absl::Status WritePidFile(const std::string& path, pid_t pid) {
  return WriteStateFile(path, absl::StrCat(pid), 0644);
}

}  // namespace crate::linux
