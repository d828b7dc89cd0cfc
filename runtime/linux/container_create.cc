// Container::Create: the checks and plans first (nothing exists yet), then
// the state directory, the record of intent, the cgroup and the init.
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <memory>
#include <set>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "runtime/base/errno_status.h"
#include "runtime/base/file_util.h"
#include "runtime/base/status_macros.h"
#include "runtime/base/unique_fd.h"
#include "runtime/cgroups/cgroup.h"
#include "runtime/cgroups/systemd/systemd_cgroup.h"
#include "runtime/linux/cgroup_config.h"
#include "runtime/linux/console.h"
#include "runtime/linux/container.h"
#include "runtime/linux/container_internal.h"
#include "runtime/linux/hooks.h"
#include "runtime/linux/launcher.h"
#include "runtime/linux/namespace_files.h"
#include "runtime/linux/plan.h"
#include "runtime/linux/security_config.h"
#include "runtime/linux/state_dir.h"
#include "runtime/resctrl/plan.h"
#include "runtime/resctrl/resctrl.h"
#include "runtime/security/seccomp.h"
#include "runtime/security/seccomp_cache.h"

namespace crate::linux {
namespace {

bool HostCgroupV2() {
  struct statfs st;
  return statfs("/sys/fs/cgroup", &st) == 0 &&
         st.f_type == 0x63677270;  // CGROUP2_SUPER_MAGIC
}

absl::StatusOr<std::string> AbsoluteDir(const std::string& dir) {
  if (!dir.empty() && dir[0] == '/') return dir;
  char cwd[4096];
  if (getcwd(cwd, sizeof(cwd)) == nullptr) return ErrnoStatus("getcwd");
  if (dir.empty() || dir == ".") return std::string(cwd);
  return JoinPath(cwd, dir);
}

// config.json, parsed and checked as far as it can be without the host.
absl::StatusOr<oci::Spec> ReadConfig(const std::string& config_path,
                                     const CreateOptions& options) {
  ASSIGN_OR_RETURN(std::string text, ReadFile(config_path));
  absl::StatusOr<oci::Spec> spec = oci::ParseSpec(text);
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
  return spec;
}

absl::StatusOr<LaunchPlan> PlanLaunch(const oci::Spec& spec,
                                      const std::string& bundle,
                                      const CreateOptions& options) {
  PlanOptions plan_options;
  plan_options.bundle = bundle;
  plan_options.no_pivot = options.no_pivot;
  plan_options.host_cgroup_v2 = HostCgroupV2();
  plan_options.host_apparmor = internal::HostApparmor();
  plan_options.host_selinux = internal::HostSelinux();
  // Asked only when there are capabilities to check: ~40 prctl calls that
  // a start without them need not pay.
  if (spec.process->capabilities) {
    plan_options.capability_bounding = internal::OwnCapabilityBounding();
  }
  plan_options.unprivileged = geteuid() != 0;
  return MakePlan(spec, plan_options);
}

absl::StatusOr<absl::optional<resctrl::Plan>> PlanIntelRdt(
    const oci::Spec& spec, const CreateOptions& options) {
  if (!spec.linux || !spec.linux->intel_rdt) {
    return absl::optional<resctrl::Plan>();
  }
  const oci::IntelRdt& r = *spec.linux->intel_rdt;
  ASSIGN_OR_RETURN(
      resctrl::Plan plan,
      resctrl::MakePlan({r.clos_id, r.l3_cache_schema, r.mem_bw_schema,
                         r.enable_cmt, r.enable_mbm},
                        options.id,
                        resctrl::ReadFeatures(options.resctrl_root)));
  return absl::optional<resctrl::Plan>(std::move(plan));
}

absl::Status CheckRootfs(const std::string& rootfs,
                         const std::string& config_path) {
  struct stat st;
  if (stat(rootfs.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return absl::InvalidArgumentError(
        absl::StrCat(config_path, ": root.path: rootfs \"", rootfs,
                     "\" is not a directory"));
  }
  // The host's own root as the container's would put the container's
  // /proc, /dev and every mount over the host's files.
  char resolved[PATH_MAX];
  if (realpath(rootfs.c_str(), resolved) != nullptr &&
      strcmp(resolved, "/") == 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        config_path, ": root.path: rootfs \"", rootfs,
        rootfs == "/" ? "\" is" : "\" resolves to",
        " the host's root directory \"/\"; a container needs a root of its "
        "own"));
  }
  return absl::OkStatus();
}

// Compiled before anything exists, so a bad filter leaves nothing behind
// and the init has only a syscall to make.
absl::StatusOr<absl::optional<security::SeccompProgram>> CompileSeccompOf(
    const oci::Spec& spec, const std::string& config_path,
    const std::string& root) {
  if (!spec.linux || !spec.linux->seccomp) {
    return absl::optional<security::SeccompProgram>();
  }
  absl::StatusOr<security::SeccompConfig> config =
      ToSeccompConfig(*spec.linux->seccomp);
  if (!config.ok()) return Annotate(config.status(), config_path);
  absl::StatusOr<security::SeccompProgram> program =
      security::CompileSeccompCached(*config, SeccompCacheDir(root));
  if (!program.ok()) {
    return Annotate(program.status(),
                    absl::StrCat(config_path, ": linux.seccomp"));
  }
  return absl::optional<security::SeccompProgram>(*std::move(program));
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

// The record as create starts it: what later commands need of the spec.
ContainerRecord InitialRecord(const oci::Spec& spec, const std::string& id,
                              const std::string& bundle,
                              const LaunchPlan& plan) {
  ContainerRecord record;
  record.state.oci_version = spec.oci_version;
  record.state.id = id;
  record.state.status = oci::ContainerStatus::kCreating;
  record.state.bundle = bundle;
  record.state.annotations = spec.annotations;
  record.created = NowRfc3339();
  record.rootfs = plan.rootfs;
  record.owner = geteuid();
  record.poststart = spec.hooks.poststart;
  record.poststop = spec.hooks.poststop;
  return record;
}

// The prestart and createRuntime hooks, with the state document that
// createContainer and startContainer get too.
absl::StatusOr<std::string> RunCreateHooks(const oci::Spec& spec,
                                           const std::string& id,
                                           const std::string& bundle,
                                           pid_t pid) {
  oci::State state;
  state.oci_version = spec.oci_version;
  state.id = id;
  // The runtime-spec's lifecycle runs these hooks after the environment
  // is made (its step 2), which is the "created" state (crun agrees).
  state.status = oci::ContainerStatus::kCreated;
  state.pid = pid;
  state.bundle = bundle;
  state.annotations = spec.annotations;
  std::string json = oci::StateToJson(state, /*pretty=*/false);
  RETURN_IF_ERROR(RunHooks(spec.hooks.prestart, json, "prestart"));
  RETURN_IF_ERROR(RunHooks(spec.hooks.create_runtime, json, "createRuntime"));
  return json;
}

}  // namespace

absl::StatusOr<Container> Container::Create(const CreateOptions& options) {
  // Deciding: nothing exists until every check has passed.
  ASSIGN_OR_RETURN(std::string bundle, AbsoluteDir(options.bundle));
  std::string config_path = JoinPath(bundle, "config.json");
  ASSIGN_OR_RETURN(oci::Spec spec, ReadConfig(config_path, options));
  ASSIGN_OR_RETURN(LaunchPlan plan, PlanLaunch(spec, bundle, options));
  ASSIGN_OR_RETURN(absl::optional<resctrl::Plan> rdt_plan,
                   PlanIntelRdt(spec, options));
  if (options.on_degraded) {
    for (const std::string& w : spec.warnings) options.on_degraded(w, true);
    for (const std::string& w : plan.warnings) options.on_degraded(w, true);
  }
  RETURN_IF_ERROR(CheckRootfs(plan.rootfs, config_path));
  ASSIGN_OR_RETURN(absl::optional<security::SeccompProgram> seccomp,
                   CompileSeccompOf(spec, config_path, options.root));

  // Doing.
  ASSIGN_OR_RETURN(ContainerDir dir,
                   ContainerDir::Create(options.root, options.id));
  bool keep = false;
  absl::Cleanup cleanup = [&] {
    if (!keep) dir.Remove().IgnoreError();
  };
  std::string cgroup_path = CgroupPathFor(spec, options.id);
  absl::optional<cgroups::systemd::Options> scope;
  if (options.systemd_cgroup) {
    scope.emplace();
    scope->cgroups_path = spec.linux ? spec.linux->cgroups_path : "";
    scope->id = options.id;
    scope->user = geteuid() != 0;
    scope->annotations = spec.annotations;
    // What an empty cgroupsPath means, for messages.
    cgroup_path = scope->cgroups_path.empty()
                      ? absl::StrCat(scope->user ? "user" : "system",
                                     ".slice:crate:", options.id)
                      : scope->cgroups_path;
  }
  const bool has_resources = spec.linux && spec.linux->resources;
  const cgroups::Resources resources = CgroupResourcesFor(spec);
  std::unique_ptr<cgroups::Cgroup> cgroup;
  absl::optional<resctrl::Membership> rdt;
  // The record says what exists before it is made (cgroup, resctrl group,
  // the init's pid), so that `delete --force` finds all of it after a
  // create killed at any point.
  ContainerRecord record = InitialRecord(spec, options.id, bundle, plan);
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
      if (options.on_init_created) return options.on_init_created(pid, spec);
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
                          spec.linux && !spec.linux->cgroups_path.empty());
    }
    if (options.on_init_created) return options.on_init_created(pid, spec);
    return absl::OkStatus();
  };
  req.before_pivot = [&](pid_t pid) -> absl::StatusOr<std::string> {
    return RunCreateHooks(spec, options.id, bundle, pid);
  };
  ASSIGN_OR_RETURN(pid_t pid, CreateContainer(req));

  record.state.status = oci::ContainerStatus::kCreated;
  absl::Status s = save_intent(pid);
  absl::StatusOr<FileId> file = StatRecord(dir);
  if (s.ok()) s = file.status();
  if (s.ok() && !options.pid_file.empty()) {
    s = WritePidFile(options.pid_file, pid);
  }
  if (!s.ok()) {
    kill(pid, SIGKILL);
    return s;
  }
  keep = true;
  // The cgroup object made here is not kept: on delete it would also
  // remove the parent directories it made, which delete has never done
  // (they may be shared); the object opens the recorded one when needed.
  return Container(options.root, options.id, std::move(record), *file);
}

}  // namespace crate::linux
