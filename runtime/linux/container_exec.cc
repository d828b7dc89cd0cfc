// Container::Exec: the process to run (the config's, or --process, with
// the command line's overrides), planned like the init's, then started in
// the init's namespaces, cgroup and resctrl group.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "runtime/base/errno_status.h"
#include "runtime/base/file_util.h"
#include "runtime/base/status_macros.h"
#include "runtime/base/unique_fd.h"
#include "runtime/linux/console.h"
#include "runtime/linux/container.h"
#include "runtime/linux/container_internal.h"
#include "runtime/linux/launcher.h"
#include "runtime/linux/plan.h"
#include "runtime/linux/security_config.h"
#include "runtime/linux/state_dir.h"
#include "runtime/security/seccomp.h"
#include "runtime/security/seccomp_cache.h"

namespace crate::linux {
namespace {

// The config's process with what the command line overrides.
absl::StatusOr<oci::Process> OverriddenProcess(const oci::Spec& spec,
                                               const ExecOptions& o) {
  if (!spec.process) return absl::InvalidArgumentError("no process");
  oci::Process process = *spec.process;
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
  return process;
}

absl::StatusOr<oci::Process> ProcessToRun(const oci::Spec& spec,
                                          const ExecOptions& o) {
  oci::Process process;
  if (!o.process_json.empty()) {
    // The same checks as config.json's process, through its parser.
    absl::StatusOr<oci::Spec> wrapped = oci::ParseSpec(absl::StrCat(
        R"({"ociVersion":"1.0.0","process":)", o.process_json, "}"));
    if (!wrapped.ok()) return Annotate(wrapped.status(), "--process");
    process = *wrapped->process;
  } else {
    ASSIGN_OR_RETURN(process, OverriddenProcess(spec, o));
  }
  if (!o.apparmor_profile.empty()) {
    process.apparmor_profile = o.apparmor_profile;
  }
  if (!o.process_label.empty()) process.selinux_label = o.process_label;
  if (process.args.empty()) {
    return absl::InvalidArgumentError("exec needs a command (process.args)");
  }
  if (process.terminal && o.console_socket.empty() && o.console_fd < 0) {
    return absl::InvalidArgumentError("a terminal needs --console-socket");
  }
  return process;
}

// Every namespace the init does not share with us, user first (it decides
// what the others allow), mount last (it changes our root).
std::vector<NamespaceJoin> NamespacesOf(pid_t init) {
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
  std::vector<NamespaceJoin> joins;
  for (const auto& [type, name] : kInOrder) {
    std::string theirs = absl::StrCat("/proc/", init, "/ns/", name);
    std::string ours = absl::StrCat("/proc/self/ns/", name);
    struct stat a, b;
    if (stat(theirs.c_str(), &a) != 0) continue;
    if (stat(ours.c_str(), &b) == 0 && a.st_ino == b.st_ino &&
        a.st_dev == b.st_dev) {
      continue;
    }
    joins.push_back({type, theirs});
  }
  return joins;
}

}  // namespace

absl::StatusOr<pid_t> Container::Exec(const ExecOptions& o) {
  ASSIGN_OR_RETURN(ContainerDir dir, Lock());
  oci::ContainerStatus status = LiveStatusWithFreezer(dir);
  if (status != oci::ContainerStatus::kRunning &&
      status != oci::ContainerStatus::kCreated) {
    return absl::FailedPreconditionError(absl::StrCat(
        "cannot exec in a ", oci::StatusName(status), " container"));
  }
  ASSIGN_OR_RETURN(const oci::Spec* spec, Spec());
  ASSIGN_OR_RETURN(oci::Process process, ProcessToRun(*spec, o));

  oci::Spec one;
  one.oci_version = spec->oci_version;
  one.process = process;
  one.root = spec->root;
  PlanOptions plan_options;
  plan_options.bundle = record_.state.bundle;
  plan_options.host_apparmor = internal::HostApparmor();
  plan_options.host_selinux = internal::HostSelinux();
  if (process.capabilities) {
    plan_options.capability_bounding = internal::OwnCapabilityBounding();
  }
  ASSIGN_OR_RETURN(LaunchPlan plan, MakePlan(one, plan_options));
  if (o.on_warning) {
    for (const std::string& w : plan.warnings) o.on_warning(w);
  }

  // Not kept in memory: a shim holds its container for days and execs in
  // it rarely, so memory is dearer than reading the compiled program back
  // (seccomp_cache.h).
  absl::optional<security::SeccompProgram> seccomp;
  if (spec->linux && spec->linux->seccomp) {
    ASSIGN_OR_RETURN(security::SeccompConfig config,
                     ToSeccompConfig(*spec->linux->seccomp));
    ASSIGN_OR_RETURN(seccomp, security::CompileSeccompCached(
                                  config, SeccompCacheDir(root_)));
  }

  ExecRequest req;
  req.process = &plan.process;
  req.seccomp = seccomp ? &*seccomp : nullptr;
  req.preserve_fds = o.preserve_fds;
  req.stdio = o.stdio;
  req.joins = NamespacesOf(init_.pid());
  UniqueFd console;
  if (!o.console_socket.empty()) {
    ASSIGN_OR_RETURN(console, ConnectConsoleSocket(o.console_socket));
    req.console_socket = console.get();
  } else {
    req.console_socket = o.console_fd;
  }
  cgroups::Cgroup* cg = cgroup();
  const bool in_cgroup = cg != nullptr && cg->Exists();
  // As for the init: root's process joins by itself, sparing the caller the
  // kernel's threadgroup-lock wait of moving another process.
  const bool joins_by_itself = in_cgroup && geteuid() == 0;
  if (joins_by_itself) {
    cgroups::Cgroup::SelfJoin join = cg->SelfJoinPaths();
    req.join_tasks_files = std::move(join.tasks_files);
    req.clone_into_cgroup = std::move(join.clone_into_dir);
  }
  const absl::optional<resctrl::Membership>& rdt = record_.intel_rdt;
  req.on_created = [&](pid_t pid) -> absl::Status {
    if (rdt) RETURN_IF_ERROR(resctrl::AddTask(*rdt, pid));
    if (!in_cgroup || joins_by_itself) return absl::OkStatus();
    return cg->AddPid(pid);
  };
  ASSIGN_OR_RETURN(pid_t pid, ExecInContainer(req));
  if (!o.pid_file.empty()) RETURN_IF_ERROR(WritePidFile(o.pid_file, pid));
  return pid;
}

}  // namespace crate::linux
