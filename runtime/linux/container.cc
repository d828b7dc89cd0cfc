#include "runtime/linux/container.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <memory>
#include <set>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "runtime/base/errno_status.h"
#include "runtime/base/file_util.h"
#include "runtime/base/status_macros.h"
#include "runtime/base/unique_fd.h"
#include "runtime/cgroups/cgroup.h"
#include "runtime/cgroups/systemd/systemd_cgroup.h"
#include "runtime/linux/cgroup_config.h"
#include "runtime/linux/console.h"
#include "runtime/linux/hooks.h"
#include "runtime/linux/launcher.h"
#include "runtime/linux/namespace_files.h"
#include "runtime/linux/plan.h"
#include "runtime/linux/security_config.h"
#include "runtime/oci/spec.h"
#include "runtime/resctrl/plan.h"
#include "runtime/resctrl/resctrl.h"
#include "runtime/security/capabilities.h"
#include "runtime/security/seccomp.h"

namespace crate::linux {
namespace {

bool HostCgroupV2() {
  struct statfs st;
  return statfs("/sys/fs/cgroup", &st) == 0 &&
         st.f_type == 0x63677270;  // CGROUP2_SUPER_MAGIC
}

bool HostApparmor() {
  return access("/sys/kernel/security/apparmor", F_OK) == 0;
}

bool HostSelinux() { return access("/sys/fs/selinux", F_OK) == 0; }

// The runtime's own bounding set (all bits if it cannot be read): the
// container can have no more.
uint64_t OwnCapabilityBounding() {
  absl::StatusOr<security::Capabilities> own = security::CurrentCapabilities();
  return own.ok() ? own->bounding : ~uint64_t{0};
}

absl::StatusOr<std::string> AbsoluteDir(const std::string& dir) {
  if (!dir.empty() && dir[0] == '/') return dir;
  char cwd[4096];
  if (getcwd(cwd, sizeof(cwd)) == nullptr) return ErrnoStatus("getcwd");
  if (dir.empty() || dir == ".") return std::string(cwd);
  return JoinPath(cwd, dir);
}

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

// `scope` set: the cgroup is that systemd scope, started when the init's
// pid is added.
absl::Status PrepareCgroup(const std::string& path,
                           const cgroups::Resources* resources,
                           std::unique_ptr<cgroups::Cgroup>* out,
                           const cgroups::systemd::Options* scope = nullptr) {
  cgroups::Options options;
  options.path = path;
  absl::StatusOr<std::unique_ptr<cgroups::Cgroup>> cg =
      scope != nullptr ? cgroups::systemd::SystemdCgroup::New(*scope)
                       : cgroups::OpenCgroup(options);
  if (!cg.ok()) return cg.status();
  RETURN_IF_ERROR((*cg)->Create());
  *out = std::move(*cg);
  if (resources != nullptr) {
    RETURN_IF_ERROR((*out)->Apply(*resources));
  }
  return absl::OkStatus();
}

absl::Status JoinCgroup(const std::string& path, pid_t pid,
                        const cgroups::Resources* resources,
                        std::unique_ptr<cgroups::Cgroup>* out) {
  RETURN_IF_ERROR(PrepareCgroup(path, resources, out));
  return (*out)->AddPid(pid);
}

// The container's cgroup, or nullptr if it has none (rootless).
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

// Running, refined by the freezer: paused.
oci::ContainerStatus StatusWithFreezer(const ContainerRecord& r,
                                       const std::string& dir) {
  oci::ContainerStatus status = CurrentStatus(r, dir);
  if (status != oci::ContainerStatus::kRunning) return status;
  std::unique_ptr<cgroups::Cgroup> cg = OpenRecordCgroup(r);
  if (cg == nullptr) return status;
  absl::StatusOr<cgroups::FreezerState> f = cg->GetFreezerState();
  if (f.ok() && *f != cgroups::FreezerState::kThawed) {
    return oci::ContainerStatus::kPaused;
  }
  return status;
}

}  // namespace

absl::Status WritePidFile(const std::string& path, pid_t pid) {
  return WriteStateFile(path, absl::StrCat(pid), 0644);
}

absl::StatusOr<pid_t> Create(const CreateOptions& options) {
  ASSIGN_OR_RETURN(std::string bundle, AbsoluteDir(options.bundle));
  std::string config_path = JoinPath(bundle, "config.json");
  absl::StatusOr<std::string> text = ReadFile(config_path);
  if (!text.ok()) return text.status();
  absl::StatusOr<oci::Spec> spec = oci::ParseSpec(*text);
  if (!spec.ok()) return Annotate(spec.status(), config_path);
  RETURN_IF_ERROR(Annotate(oci::ValidateForCreate(*spec), config_path));
  if (spec->linux) {
    absl::StatusOr<std::set<oci::NamespaceType>> shared =
        CheckNamespacePaths(*spec->linux);
    if (!shared.ok()) return Annotate(shared.status(), config_path);
    RETURN_IF_ERROR(
        Annotate(CheckSysctlsPrivate(*spec->linux, *shared), config_path));
  }
  if (spec->process->terminal && options.console_socket.empty() &&
      options.console_fd < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        config_path,
        ": process.terminal is true, which needs --console-socket"));
  }
  if (!spec->process->terminal && !options.console_socket.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        config_path, ": --console-socket given but process.terminal is false"));
  }
  PlanOptions plan_options;
  plan_options.bundle = bundle;
  plan_options.no_pivot = options.no_pivot;
  plan_options.host_cgroup_v2 = HostCgroupV2();
  plan_options.host_apparmor = HostApparmor();
  plan_options.host_selinux = HostSelinux();
  // Asked only when there are capabilities to check: ~40 prctl calls that
  // a start without them need not pay.
  if (spec->process->capabilities) {
    plan_options.capability_bounding = OwnCapabilityBounding();
  }
  plan_options.unprivileged = geteuid() != 0;
  ASSIGN_OR_RETURN(LaunchPlan plan, MakePlan(*spec, plan_options));
  absl::optional<resctrl::Plan> rdt_plan;
  if (spec->linux && spec->linux->intel_rdt) {
    const oci::IntelRdt& r = *spec->linux->intel_rdt;
    ASSIGN_OR_RETURN(
        rdt_plan, resctrl::MakePlan(
                      {r.clos_id, r.l3_cache_schema, r.mem_bw_schema,
                       r.enable_cmt, r.enable_mbm},
                      options.id, resctrl::ReadFeatures(options.resctrl_root)));
  }
  if (options.on_degraded) {
    for (const std::string& w : spec->warnings) options.on_degraded(w, true);
    for (const std::string& w : plan.warnings) options.on_degraded(w, true);
  }
  struct stat st;
  if (stat(plan.rootfs.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return absl::InvalidArgumentError(
        absl::StrCat(config_path, ": root.path: rootfs \"", plan.rootfs,
                     "\" is not a directory"));
  }
  // The host's own root as the container's would put the container's
  // /proc, /dev and every mount over the host's files.
  char resolved[PATH_MAX];
  if (realpath(plan.rootfs.c_str(), resolved) != nullptr &&
      strcmp(resolved, "/") == 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        config_path, ": root.path: rootfs \"", plan.rootfs,
        plan.rootfs == "/" ? "\" is" : "\" resolves to",
        " the host's root directory \"/\"; a container needs a root of its "
        "own"));
  }

  // Compiled before anything exists, so a bad filter leaves nothing behind
  // and the init has only a syscall to make.
  absl::optional<security::SeccompProgram> seccomp;
  if (spec->linux && spec->linux->seccomp) {
    absl::StatusOr<security::SeccompConfig> config =
        ToSeccompConfig(*spec->linux->seccomp);
    if (!config.ok()) return Annotate(config.status(), config_path);
    absl::StatusOr<security::SeccompProgram> program =
        security::CompileSeccomp(*config);
    if (!program.ok()) {
      return Annotate(program.status(),
                      absl::StrCat(config_path, ": linux.seccomp"));
    }
    seccomp = *std::move(program);
  }

  ASSIGN_OR_RETURN(ContainerDir dir,
                   ContainerDir::Create(options.root, options.id));
  bool keep = false;
  absl::Cleanup cleanup = [&] {
    if (!keep) dir.Remove().IgnoreError();
  };
  std::string cgroup_path = CgroupPathFor(*spec, options.id);
  absl::optional<cgroups::systemd::Options> scope;
  if (options.systemd_cgroup) {
    scope.emplace();
    scope->cgroups_path = spec->linux ? spec->linux->cgroups_path : "";
    scope->id = options.id;
    scope->user = geteuid() != 0;
    scope->annotations = spec->annotations;
    // What an empty cgroupsPath means, for messages.
    cgroup_path = scope->cgroups_path.empty()
                      ? absl::StrCat(scope->user ? "user" : "system",
                                     ".slice:crate:", options.id)
                      : scope->cgroups_path;
  }
  const bool has_resources = spec->linux && spec->linux->resources;
  const cgroups::Resources resources = CgroupResourcesFor(*spec);
  std::unique_ptr<cgroups::Cgroup> cgroup;
  absl::optional<resctrl::Membership> rdt;
  // The record says what exists before it is made (cgroup, resctrl group,
  // the init's pid), so that `delete --force` finds all of it after a
  // create killed at any point.
  ContainerRecord record;
  record.state.oci_version = spec->oci_version;
  record.state.id = options.id;
  record.state.status = oci::ContainerStatus::kCreating;
  record.state.bundle = bundle;
  record.state.annotations = spec->annotations;
  record.created = NowRfc3339();
  record.rootfs = plan.rootfs;
  record.owner = geteuid();
  record.poststart = spec->hooks.poststart;
  record.poststop = spec->hooks.poststop;
  auto save_intent = [&](pid_t pid) -> absl::Status {
    record.state.pid = pid;
    record.init_start_time = pid > 0 ? ProcessStartTime(pid) : 0;
    // Unprivileged, a cgroup that could not be made is not ours to remove.
    record.cgroup_path = cgroup || geteuid() == 0 ? cgroup_path : "";
    if (cgroup && scope) {
      auto* unit = static_cast<cgroups::systemd::SystemdCgroup*>(cgroup.get());
      record.cgroup_path = unit->path();
      record.systemd_unit = unit->unit();
      record.systemd_user = unit->user();
    }
    record.intel_rdt = rdt;
    return dir.Save(record);
  };
  RETURN_IF_ERROR(save_intent(0));
  absl::Cleanup destroy_cgroup = [&] {
    if (!keep && cgroup) cgroup->Destroy(/*force=*/true).IgnoreError();
  };
  // Made before the init exists, joined by it in on_init_created before it
  // runs anything of the container's.
  absl::Cleanup remove_rdt = [&] {
    if (!keep && rdt) resctrl::Remove(*rdt).IgnoreError();
  };
  if (rdt_plan) {
    ASSIGN_OR_RETURN(rdt, resctrl::Prepare(options.resctrl_root, *rdt_plan));
    RETURN_IF_ERROR(save_intent(0));
  }
  CreateRequest req;
  req.plan = &plan;
  req.state_dir = dir.path();
  req.preserve_fds = options.preserve_fds;
  req.stdio = options.stdio;
  if (!options.no_new_keyring) {
    req.keyring_name = absl::StrCat("_ses.", options.id);
  }
  req.seccomp = seccomp ? &*seccomp : nullptr;
  UniqueFd console;
  if (!options.console_socket.empty()) {
    ASSIGN_OR_RETURN(console, ConnectConsoleSocket(options.console_socket));
    req.console_socket = console.get();
  } else if (options.console_fd >= 0) {
    req.console_socket = options.console_fd;
  }
  // As root, the cgroup is made before the init, which joins it by itself,
  // sparing every start a wait for the kernel's global threadgroup lock
  // (cgroups::Cgroup::SelfJoin). The files are opened here, so the init may
  // be in a user namespace or have joined a mount namespace by then.
  // systemd makes a scope only around a process that exists.
  const bool init_joins_cgroup = !scope && geteuid() == 0;
  if (init_joins_cgroup || scope) {
    // For a scope: the name is checked and systemd reached (and asked its
    // version) before anything exists; the limits wait for the pid.
    absl::Status s =
        PrepareCgroup(cgroup_path, has_resources ? &resources : nullptr,
                      &cgroup, scope ? &*scope : nullptr);
    if (!s.ok()) return Annotate(s, absl::StrCat("cgroup ", cgroup_path));
    if (scope) RETURN_IF_ERROR(save_intent(0));
  }
  if (init_joins_cgroup) {
    cgroups::Cgroup::SelfJoin join = cgroup->SelfJoinPaths();
    req.join_tasks_files = std::move(join.tasks_files);
    req.clone_into_cgroup = std::move(join.clone_into_dir);
  }
  req.on_init_created = [&](pid_t pid) -> absl::Status {
    // Before the init may go on: from here a killed create leaves a
    // process that delete must find.
    RETURN_IF_ERROR(save_intent(pid));
    if (rdt) {
      RETURN_IF_ERROR(Annotate(resctrl::AddTask(*rdt, pid), "linux.intelRdt"));
    }
    if (init_joins_cgroup) {
      if (options.on_init_created) return options.on_init_created(pid, *spec);
      return absl::OkStatus();
    }
    absl::Status s =
        scope ? cgroup->AddPid(pid)
              : JoinCgroup(cgroup_path, pid,
                           has_resources ? &resources : nullptr, &cgroup);
    // Like runc: without privileges a cgroup is best effort unless the
    // configuration asks for limits (or for systemd).
    if (!s.ok() && (geteuid() == 0 || has_resources || scope)) {
      return Annotate(s, absl::StrCat("cgroup ", cgroup_path));
    }
    if (!s.ok() && options.on_degraded) {
      options.on_degraded(absl::StrCat("running without a cgroup: cgroup ",
                                       cgroup_path, " is not writable by uid ",
                                       geteuid(), " (", s.message(), ")"),
                          spec->linux && !spec->linux->cgroups_path.empty());
    }
    if (options.on_init_created) return options.on_init_created(pid, *spec);
    return absl::OkStatus();
  };
  req.before_pivot = [&](pid_t pid) -> absl::StatusOr<std::string> {
    oci::State state;
    state.oci_version = spec->oci_version;
    state.id = options.id;
    // The runtime-spec's lifecycle runs these hooks after the environment
    // is made (its step 2), which is the "created" state (crun agrees);
    // createContainer and startContainer get the same document.
    state.status = oci::ContainerStatus::kCreated;
    state.pid = pid;
    state.bundle = bundle;
    state.annotations = spec->annotations;
    std::string json = oci::StateToJson(state, /*pretty=*/false);
    RETURN_IF_ERROR(RunHooks(spec->hooks.prestart, json, "prestart"));
    RETURN_IF_ERROR(
        RunHooks(spec->hooks.create_runtime, json, "createRuntime"));
    return json;
  };
  ASSIGN_OR_RETURN(pid_t pid, CreateContainer(req));

  record.state.status = oci::ContainerStatus::kCreated;
  absl::Status s = save_intent(pid);
  if (s.ok() && !options.pid_file.empty()) {
    s = WritePidFile(options.pid_file, pid);
  }
  if (!s.ok()) {
    kill(pid, SIGKILL);
    return s;
  }
  keep = true;
  return pid;
}

absl::Status Start(const std::string& root, const std::string& id,
                   std::string* warning) {
  ASSIGN_OR_RETURN(ContainerDir dir, ContainerDir::Open(root, id));
  ASSIGN_OR_RETURN(ContainerRecord r, dir.Load());
  oci::ContainerStatus status = CurrentStatus(r, dir.path());
  if (status != oci::ContainerStatus::kCreated) {
    return absl::FailedPreconditionError(absl::StrCat(
        "cannot start a container that is ", oci::StatusName(status)));
  }
  RETURN_IF_ERROR(StartContainer(dir.path(), r.state.pid));
  if (!r.poststart.empty()) {
    r.state.status = oci::ContainerStatus::kRunning;
    absl::Status s = RunHooks(
        r.poststart, oci::StateToJson(r.state, /*pretty=*/false), "poststart");
    if (!s.ok() && warning != nullptr) *warning = std::string(s.message());
  }
  return absl::OkStatus();
}

absl::StatusOr<ContainerRecord> GetState(const std::string& root,
                                         const std::string& id) {
  ASSIGN_OR_RETURN(ContainerDir dir, ContainerDir::Open(root, id));
  ASSIGN_OR_RETURN(ContainerRecord r, dir.Load());
  r.state.status = StatusWithFreezer(r, dir.path());
  if (r.state.status == oci::ContainerStatus::kStopped) r.state.pid = 0;
  return r;
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

absl::Status Kill(const std::string& root, const std::string& id, int signal,
                  bool all) {
  ASSIGN_OR_RETURN(ContainerDir dir, ContainerDir::Open(root, id));
  ASSIGN_OR_RETURN(ContainerRecord r, dir.Load());
  oci::ContainerStatus status = CurrentStatus(r, dir.path());
  if (all) {
    // What is left in the cgroup after the init exited (processes of a
    // pod's shared pid namespace): containerd kills it on every pod
    // teardown, and runc signals it.
    std::unique_ptr<cgroups::Cgroup> cg = OpenRecordCgroup(r);
    if (cg != nullptr && cg->Exists()) return cg->Kill(signal);
  }
  if (status == oci::ContainerStatus::kStopped) {
    return absl::FailedPreconditionError("container not running");
  }
  std::vector<pid_t> pids =
      all ? PidsInNamespaceOf(r.state.pid) : std::vector<pid_t>{r.state.pid};
  for (pid_t pid : pids) {
    if (::kill(pid, signal) != 0 && errno != ESRCH) {
      return ErrnoStatus(absl::StrCat("kill ", pid));
    }
  }
  return absl::OkStatus();
}

absl::Status Delete(const std::string& root, const std::string& id, bool force,
                    std::string* warning) {
  absl::StatusOr<ContainerDir> dir = ContainerDir::Open(root, id);
  if (!dir.ok()) {
    if (force && dir.status().code() == absl::StatusCode::kNotFound) {
      return absl::OkStatus();
    }
    return dir.status();
  }
  absl::StatusOr<ContainerRecord> r = dir->Load();
  if (!r.ok()) {
    // A directory without a record is what a failed create leaves while
    // it still runs; anything else is debris that delete may clear.
    if (force || r.status().code() == absl::StatusCode::kNotFound) {
      return dir->Remove();
    }
    return r.status();
  }
  oci::ContainerStatus status = StatusWithFreezer(*r, dir->path());
  if (status == oci::ContainerStatus::kRunning ||
      status == oci::ContainerStatus::kPaused) {
    if (!force) {
      return absl::FailedPreconditionError(
          absl::StrCat("cannot delete container \"", id,
                       "\" that is not stopped: ", oci::StatusName(status)));
    }
  }
  std::unique_ptr<cgroups::Cgroup> cg = OpenRecordCgroup(*r);
  if (status != oci::ContainerStatus::kStopped) {
    // A frozen process cannot die; the cgroup driver kills frozen first and
    // thaws.
    if (cg != nullptr && cg->Exists()) cg->Kill(SIGKILL).IgnoreError();
    std::vector<pid_t> pids = PidsInNamespaceOf(r->state.pid);
    if (pids.empty()) pids.push_back(r->state.pid);
    for (pid_t pid : pids) ::kill(pid, SIGKILL);
    if (!WaitStopped(*r, dir->path(), 5000)) {
      return absl::DeadlineExceededError(
          absl::StrCat("container \"", id, "\" init ", r->state.pid,
                       " did not die after SIGKILL"));
    }
  }
  if (cg != nullptr) {
    RETURN_IF_ERROR(Annotate(cg->Destroy(/*force=*/true),
                             absl::StrCat("cgroup ", r->cgroup_path)));
  }
  if (r->intel_rdt) {
    RETURN_IF_ERROR(Annotate(resctrl::Remove(*r->intel_rdt), "linux.intelRdt"));
  }
  RETURN_IF_ERROR(dir->Remove());
  if (!r->poststop.empty()) {
    r->state.status = oci::ContainerStatus::kStopped;
    r->state.pid = 0;
    absl::Status s = RunHooks(
        r->poststop, oci::StateToJson(r->state, /*pretty=*/false), "poststop");
    if (!s.ok() && warning != nullptr) *warning = std::string(s.message());
  }
  return absl::OkStatus();
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
    r->state.status = StatusWithFreezer(*r, path);
    if (r->state.status == oci::ContainerStatus::kStopped) r->state.pid = 0;
    out.push_back(*std::move(r));
  }
  return out;
}

absl::Status Pause(const std::string& root, const std::string& id) {
  ASSIGN_OR_RETURN(ContainerDir dir, ContainerDir::Open(root, id));
  ASSIGN_OR_RETURN(ContainerRecord r, dir.Load());
  oci::ContainerStatus status = StatusWithFreezer(r, dir.path());
  if (status != oci::ContainerStatus::kRunning &&
      status != oci::ContainerStatus::kCreated) {
    return absl::FailedPreconditionError(
        absl::StrCat("container \"", id, "\" is ", oci::StatusName(status),
                     ", not running"));
  }
  std::unique_ptr<cgroups::Cgroup> cg = OpenRecordCgroup(r);
  if (cg == nullptr) {
    return absl::FailedPreconditionError(
        absl::StrCat("container \"", id, "\" has no cgroup to freeze"));
  }
  return cg->Freeze();
}

absl::Status Resume(const std::string& root, const std::string& id) {
  ASSIGN_OR_RETURN(ContainerDir dir, ContainerDir::Open(root, id));
  ASSIGN_OR_RETURN(ContainerRecord r, dir.Load());
  if (StatusWithFreezer(r, dir.path()) != oci::ContainerStatus::kPaused) {
    return absl::FailedPreconditionError(
        absl::StrCat("container \"", id, "\" is not paused"));
  }
  std::unique_ptr<cgroups::Cgroup> cg = OpenRecordCgroup(r);
  if (cg == nullptr) return absl::InternalError("container has no cgroup");
  return cg->Thaw();
}

absl::StatusOr<std::vector<pid_t>> Pids(const std::string& root,
                                        const std::string& id) {
  ASSIGN_OR_RETURN(ContainerDir dir, ContainerDir::Open(root, id));
  ASSIGN_OR_RETURN(ContainerRecord r, dir.Load());
  std::unique_ptr<cgroups::Cgroup> cg = OpenRecordCgroup(r);
  if (cg != nullptr && cg->Exists()) return cg->Pids();
  if (CurrentStatus(r, dir.path()) == oci::ContainerStatus::kStopped) {
    return std::vector<pid_t>{};
  }
  return PidsInNamespaceOf(r.state.pid);
}

absl::StatusOr<pid_t> Exec(const ExecOptions& o) {
  ASSIGN_OR_RETURN(ContainerDir dir, ContainerDir::Open(o.root, o.id));
  ASSIGN_OR_RETURN(ContainerRecord r, dir.Load());
  oci::ContainerStatus status = StatusWithFreezer(r, dir.path());
  if (status != oci::ContainerStatus::kRunning &&
      status != oci::ContainerStatus::kCreated) {
    return absl::FailedPreconditionError(absl::StrCat(
        "cannot exec in a ", oci::StatusName(status), " container"));
  }
  std::string config_path = JoinPath(r.state.bundle, "config.json");
  ASSIGN_OR_RETURN(std::string text, ReadFile(config_path));
  absl::StatusOr<oci::Spec> spec = oci::ParseSpec(text);
  if (!spec.ok()) return Annotate(spec.status(), config_path);

  oci::Process process;
  if (!o.process_json.empty()) {
    // The same checks as config.json's process, through its parser.
    absl::StatusOr<oci::Spec> wrapped = oci::ParseSpec(absl::StrCat(
        R"({"ociVersion":"1.0.0","process":)", o.process_json, "}"));
    if (!wrapped.ok()) return Annotate(wrapped.status(), "--process");
    process = *wrapped->process;
  } else {
    if (!spec->process) return absl::InvalidArgumentError("no process");
    process = *spec->process;
    process.args = o.args;
    for (const std::string& e : o.env) {
      std::string name = e.substr(0, e.find('='));
      process.env.erase(std::remove_if(process.env.begin(), process.env.end(),
                                       [&](const std::string& x) {
                                         return x.compare(0, name.size() + 1,
                                                          name + "=") == 0;
                                       }),
                        process.env.end());
      process.env.push_back(e);
    }
    if (!o.cwd.empty()) process.cwd = o.cwd;
    if (o.uid) process.user.uid = *o.uid;
    if (o.gid) process.user.gid = *o.gid;
    if (!o.additional_gids.empty()) {
      process.user.additional_gids.assign(o.additional_gids.begin(),
                                          o.additional_gids.end());
    }
    if (o.tty) process.terminal = *o.tty;
    if (o.no_new_privs) process.no_new_privileges = true;
    for (const std::string& name : o.add_caps) {
      absl::optional<int> cap = oci::CapabilityFromName(name);
      if (!cap) {
        return absl::InvalidArgumentError(
            absl::StrCat("--cap: unknown capability \"", name, "\""));
      }
      if (!process.capabilities) process.capabilities.emplace();
      for (auto* set :
           {&process.capabilities->bounding, &process.capabilities->effective,
            &process.capabilities->permitted}) {
        set->push_back(*cap);
      }
    }
  }
  if (!o.apparmor_profile.empty())
    process.apparmor_profile = o.apparmor_profile;
  if (!o.process_label.empty()) process.selinux_label = o.process_label;
  if (process.args.empty()) {
    return absl::InvalidArgumentError("exec needs a command (process.args)");
  }
  if (process.terminal && o.console_socket.empty() && o.console_fd < 0) {
    return absl::InvalidArgumentError("a terminal needs --console-socket");
  }
  oci::Spec one;
  one.oci_version = spec->oci_version;
  one.process = process;
  one.root = spec->root;
  PlanOptions plan_options;
  plan_options.bundle = r.state.bundle;
  plan_options.host_apparmor = HostApparmor();
  plan_options.host_selinux = HostSelinux();
  if (process.capabilities) {
    plan_options.capability_bounding = OwnCapabilityBounding();
  }
  ASSIGN_OR_RETURN(LaunchPlan plan, MakePlan(one, plan_options));
  if (o.on_warning) {
    for (const std::string& w : plan.warnings) o.on_warning(w);
  }

  absl::optional<security::SeccompProgram> seccomp;
  if (spec->linux && spec->linux->seccomp) {
    ASSIGN_OR_RETURN(security::SeccompConfig config,
                     ToSeccompConfig(*spec->linux->seccomp));
    ASSIGN_OR_RETURN(seccomp, security::CompileSeccomp(config));
  }

  ExecRequest req;
  req.process = &plan.process;
  req.seccomp = seccomp ? &*seccomp : nullptr;
  req.preserve_fds = o.preserve_fds;
  req.stdio = o.stdio;
  // Every namespace the init does not share with us, user first (it
  // decides what the others allow), mount last (it changes our root).
  pid_t init = r.state.pid;
  struct NamespaceFile {
    oci::NamespaceType type;
    const char* name;  // In /proc/PID/ns.
  };
  static constexpr NamespaceFile kInOrder[] = {
      {oci::NamespaceType::kUser, "user"},
      {oci::NamespaceType::kIpc, "ipc"},
      {oci::NamespaceType::kUts, "uts"},
      {oci::NamespaceType::kNetwork, "net"},
      {oci::NamespaceType::kPid, "pid"},
      {oci::NamespaceType::kCgroup, "cgroup"},
      {oci::NamespaceType::kTime, "time"},
      {oci::NamespaceType::kMount, "mnt"},
  };
  for (const auto& [type, name] : kInOrder) {
    std::string theirs = absl::StrCat("/proc/", init, "/ns/", name);
    std::string ours = absl::StrCat("/proc/self/ns/", name);
    struct stat a, b;
    if (stat(theirs.c_str(), &a) != 0) continue;
    if (stat(ours.c_str(), &b) == 0 && a.st_ino == b.st_ino &&
        a.st_dev == b.st_dev) {
      continue;
    }
    req.joins.push_back({type, theirs});
  }
  UniqueFd console;
  if (!o.console_socket.empty()) {
    ASSIGN_OR_RETURN(console, ConnectConsoleSocket(o.console_socket));
    req.console_socket = console.get();
  } else {
    req.console_socket = o.console_fd;
  }
  std::unique_ptr<cgroups::Cgroup> cg = OpenRecordCgroup(r);
  const bool in_cgroup = cg != nullptr && cg->Exists();
  // As for the init: root's process joins by itself, sparing the caller the
  // kernel's threadgroup-lock wait of moving another process.
  const bool joins_by_itself = in_cgroup && geteuid() == 0;
  if (joins_by_itself) {
    cgroups::Cgroup::SelfJoin join = cg->SelfJoinPaths();
    req.join_tasks_files = std::move(join.tasks_files);
    req.clone_into_cgroup = std::move(join.clone_into_dir);
  }
  req.on_created = [&](pid_t pid) -> absl::Status {
    if (r.intel_rdt) RETURN_IF_ERROR(resctrl::AddTask(*r.intel_rdt, pid));
    if (!in_cgroup || joins_by_itself) return absl::OkStatus();
    return cg->AddPid(pid);
  };
  ASSIGN_OR_RETURN(pid_t pid, ExecInContainer(req));
  if (!o.pid_file.empty()) RETURN_IF_ERROR(WritePidFile(o.pid_file, pid));
  return pid;
}

namespace {

// The record of container `id`, which must not be stopped.
absl::StatusOr<ContainerRecord> LoadLive(const std::string& root,
                                         const std::string& id) {
  ASSIGN_OR_RETURN(ContainerDir dir, ContainerDir::Open(root, id));
  ASSIGN_OR_RETURN(ContainerRecord r, dir.Load());
  if (CurrentStatus(r, dir.path()) == oci::ContainerStatus::kStopped) {
    return absl::FailedPreconditionError(
        absl::StrCat("container \"", id, "\" is stopped"));
  }
  return r;
}

// The cgroup the record names, which must exist.
absl::StatusOr<std::unique_ptr<cgroups::Cgroup>> ExistingCgroup(
    const ContainerRecord& r, const std::string& id) {
  std::unique_ptr<cgroups::Cgroup> cg = OpenRecordCgroup(r);
  if (cg == nullptr || !cg->Exists()) {
    return absl::FailedPreconditionError(
        absl::StrCat("container \"", id, "\" has no cgroup"));
  }
  return cg;
}

}  // namespace

absl::Status Update(const std::string& root, const std::string& id,
                    const oci::Resources& resources) {
  ASSIGN_OR_RETURN(ContainerRecord r, LoadLive(root, id));
  ASSIGN_OR_RETURN(std::unique_ptr<cgroups::Cgroup> cg, ExistingCgroup(r, id));
  return cg->Update(ToCgroupResources(resources));
}

absl::StatusOr<cgroups::Stats> Stats(const std::string& root,
                                     const std::string& id) {
  ASSIGN_OR_RETURN(ContainerRecord r, LoadLive(root, id));
  ASSIGN_OR_RETURN(std::unique_ptr<cgroups::Cgroup> cg, ExistingCgroup(r, id));
  return cg->ReadStats();
}

absl::Status UpdateIntelRdt(const std::string& root, const std::string& id,
                            const std::string& l3_cache_schema,
                            const std::string& mem_bw_schema) {
  ASSIGN_OR_RETURN(ContainerRecord r, LoadLive(root, id));
  if (!r.intel_rdt) {
    return absl::FailedPreconditionError(absl::StrCat(
        "container \"", id,
        "\" was created without linux.intelRdt, so it has no resctrl group "
        "to update"));
  }
  ASSIGN_OR_RETURN(
      std::string schemata,
      resctrl::UpdateSchemata(l3_cache_schema, mem_bw_schema,
                              resctrl::ReadFeatures(r.intel_rdt->root)));
  return Annotate(resctrl::WriteSchemata(*r.intel_rdt, schemata),
                  "linux.intelRdt");
}

absl::StatusOr<absl::optional<resctrl::Stats>> IntelRdtStats(
    const std::string& root, const std::string& id) {
  ASSIGN_OR_RETURN(ContainerDir dir, ContainerDir::Open(root, id));
  ASSIGN_OR_RETURN(ContainerRecord r, dir.Load());
  if (!r.intel_rdt) return absl::optional<resctrl::Stats>();
  ASSIGN_OR_RETURN(resctrl::Stats st, resctrl::ReadStats(*r.intel_rdt));
  return absl::optional<resctrl::Stats>(std::move(st));
}

absl::StatusOr<cgroups::OomWatch> WatchOom(const std::string& root,
                                           const std::string& id) {
  ASSIGN_OR_RETURN(ContainerDir dir, ContainerDir::Open(root, id));
  ASSIGN_OR_RETURN(ContainerRecord r, dir.Load());
  ASSIGN_OR_RETURN(std::unique_ptr<cgroups::Cgroup> cg, ExistingCgroup(r, id));
  return cg->WatchOom();
}

}  // namespace crate::linux
