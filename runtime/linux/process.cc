#include "runtime/linux/process.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "runtime/base/errno_status.h"
#include "runtime/base/file_util.h"
#include "runtime/base/status_macros.h"
#include "runtime/linux/security_config.h"
#include "runtime/security/capabilities.h"
#include "runtime/security/no_new_privs.h"
#include "runtime/security/rlimits.h"

namespace crate::linux {

absl::Status ApplyRlimits(const ProcessPlan& process) {
  return security::SetRlimits(ToRlimits(process.rlimits));
}

std::string AppArmorExecAttr(const std::string& attr_dir) {
  std::string per_lsm = JoinPath(attr_dir, "apparmor/exec");
  if (access(per_lsm.c_str(), F_OK) == 0) return per_lsm;
  return JoinPath(attr_dir, "exec");
}

absl::Status ApplyExecLabels(const ProcessPlan& process) {
  if (!process.apparmor_profile.empty()) {
    std::string value = absl::StrCat("exec ", process.apparmor_profile);
    absl::Status s =
        WriteExistingFile(AppArmorExecAttr("/proc/self/attr"), value);
    // AppArmor refuses a profile it does not know with ENOENT, which alone
    // reads as if the file were missing.
    if (absl::IsNotFound(s)) {
      s = absl::NotFoundError(
          absl::StrCat(s.message(), " (no profile of that name is loaded)"));
    }
    if (!s.ok()) {
      return Annotate(s, absl::StrCat("process.apparmorProfile \"",
                                      process.apparmor_profile, "\""));
    }
  }
  if (!process.selinux_label.empty()) {
    absl::Status s =
        WriteExistingFile("/proc/self/attr/exec", process.selinux_label);
    if (!s.ok()) {
      return Annotate(s, absl::StrCat("process.selinuxLabel \"",
                                      process.selinux_label, "\""));
    }
  }
  return absl::OkStatus();
}

absl::Status ApplyIoPriorityAndPersonality(const ProcessPlan& process) {
  if (process.io_priority && syscall(SYS_ioprio_set, 1 /* IOPRIO_WHO_PROCESS */,
                                     0, *process.io_priority) != 0) {
    return ErrnoStatus("ioprio_set");
  }
  if (process.personality && personality(*process.personality) < 0) {
    return ErrnoStatus("personality");
  }
  if (process.scheduler) {
    const oci::Scheduler& sc = *process.scheduler;
    // linux/sched/types.h clashes with glibc's sched_param; the layout is
    // the kernel's ABI.
    struct {
      uint32_t size;
      uint32_t sched_policy;
      uint64_t sched_flags;
      int32_t sched_nice;
      uint32_t sched_priority;
      uint64_t sched_runtime;
      uint64_t sched_deadline;
      uint64_t sched_period;
    } attr = {};
    attr.size = sizeof(attr);
    static const std::pair<const char*, uint32_t> kPolicies[] = {
        {"SCHED_OTHER", 0},   {"SCHED_FIFO", 1}, {"SCHED_RR", 2},
        {"SCHED_BATCH", 3},   {"SCHED_ISO", 4},  {"SCHED_IDLE", 5},
        {"SCHED_DEADLINE", 6}};
    for (const auto& [name, value] : kPolicies) {
      if (sc.policy == name) attr.sched_policy = value;
    }
    static const std::pair<const char*, uint64_t> kFlags[] = {
        {"SCHED_FLAG_RESET_ON_FORK", 0x01}, {"SCHED_FLAG_RECLAIM", 0x02},
        {"SCHED_FLAG_DL_OVERRUN", 0x04},    {"SCHED_FLAG_KEEP_POLICY", 0x08},
        {"SCHED_FLAG_KEEP_PARAMS", 0x10},   {"SCHED_FLAG_UTIL_CLAMP_MIN", 0x20},
        {"SCHED_FLAG_UTIL_CLAMP_MAX", 0x40}};
    for (const std::string& f : sc.flags) {
      bool known = false;
      for (const auto& [name, value] : kFlags) {
        if (f == name) {
          attr.sched_flags |= value;
          known = true;
        }
      }
      if (!known) {
        return absl::InvalidArgumentError(
            absl::StrCat("process.scheduler.flags: unknown flag \"", f, "\""));
      }
    }
    attr.sched_nice = sc.nice.value_or(0);
    attr.sched_priority = static_cast<uint32_t>(sc.priority.value_or(0));
    attr.sched_runtime = sc.runtime.value_or(0);
    attr.sched_deadline = sc.deadline.value_or(0);
    attr.sched_period = sc.period.value_or(0);
    if (syscall(SYS_sched_setattr, 0, &attr, 0) != 0) {
      return ErrnoStatus(absl::StrCat("sched_setattr ", sc.policy));
    }
  }
  return absl::OkStatus();
}

absl::Status ApplyOomScoreAdj(const ProcessPlan& process) {
  if (!process.oom_score_adj) return absl::OkStatus();
  absl::Status s = WriteExistingFile("/proc/self/oom_score_adj",
                                     absl::StrCat(*process.oom_score_adj));
  if (!s.ok() && s.code() == absl::StatusCode::kPermissionDenied) {
    return Annotate(s,
                    absl::StrCat("set oomScoreAdj to ", *process.oom_score_adj,
                                 " (lowering it needs CAP_SYS_RESOURCE)"));
  }
  return s;
}

void AddHomeIfMissing(ProcessPlan* process) {
  for (const std::string& e : process->env) {
    if (absl::StartsWith(e, "HOME=")) return;
  }
  std::string home = "/";
  absl::StatusOr<std::string> passwd = ReadFile("/etc/passwd", 1 << 20);
  if (passwd.ok()) {
    // name:password:uid:gid:gecos:home:shell
    for (absl::string_view line : absl::StrSplit(*passwd, '\n')) {
      std::vector<absl::string_view> f = absl::StrSplit(line, ':');
      uint32_t uid;
      if (f.size() >= 7 && absl::SimpleAtoi(f[2], &uid) &&
          uid == process->uid && !f[5].empty()) {
        home = std::string(f[5]);
        break;
      }
    }
  }
  process->env.push_back("HOME=" + home);
}

absl::StatusOr<std::string> ResolveExecutable(const ProcessPlan& process) {
  const std::string& name = process.args[0];
  // runc's wording (Go's exec.LookPath), which podman and containerd map to
  // the shell's codes: "not found" and "no such file or directory" to 127,
  // "permission denied" to 126.
  auto quoted = absl::StrCat("exec: \"", name, "\": ");
  if (name.find('/') != std::string::npos) {
    std::string path = name;
    if (name[0] != '/') path = JoinPath(process.cwd, name);
    struct stat st;
    if (stat(path.c_str(), &st) != 0) {
      int err = errno;
      std::string why = absl::AsciiStrToLower(strerror(err));
      std::string msg = absl::StrCat(quoted, "stat ", path, ": ", why);
      if (err == ENOENT || err == ENOTDIR) return absl::NotFoundError(msg);
      return absl::PermissionDeniedError(msg);
    }
    // A directory, a file without execute bits or one on a noexec mount:
    // found, but not something exec can run.
    if (S_ISDIR(st.st_mode) || (st.st_mode & 0111) == 0 ||
        access(path.c_str(), X_OK) != 0) {
      return absl::PermissionDeniedError(
          absl::StrCat(quoted, "permission denied"));
    }
    return path;
  }
  std::string path_var =
      "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  for (const std::string& e : process.env) {
    if (absl::StartsWith(e, "PATH=")) path_var = e.substr(5);
  }
  for (absl::string_view dir : absl::StrSplit(path_var, ':')) {
    std::string candidate = JoinPath(dir.empty() ? "." : dir, name);
    struct stat st;
    if (stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
        (st.st_mode & 0111) != 0 && access(candidate.c_str(), X_OK) == 0) {
      return candidate;
    }
  }
  return absl::NotFoundError(
      absl::StrCat(quoted, "executable file not found in $PATH"));
}

absl::Status BecomeProcessUser(const ProcessPlan& process,
                               const security::SeccompProgram* seccomp) {
  // Without no_new_privs only a privileged process may load a filter, so
  // it goes on before the user change; the profile must then allow what
  // follows (Docker's does).
  if (seccomp != nullptr && !process.no_new_privileges) {
    RETURN_IF_ERROR(Annotate(security::LoadSeccomp(*seccomp), "seccomp"));
  }
  auto change_user = [&]() -> absl::Status {
    std::vector<gid_t> groups(process.additional_gids.begin(),
                              process.additional_gids.end());
    if (setgroups(groups.size(), groups.data()) != 0) {
      // A user namespace whose setgroups is "deny" cannot drop groups it
      // never had; only a request for extra groups is an error there.
      if (!(errno == EPERM && groups.empty())) {
        return ErrnoStatus("setgroups");
      }
    }
    if (setresgid(process.gid, process.gid, process.gid) != 0) {
      return ErrnoStatus(absl::StrCat("setresgid ", process.gid));
    }
    if (setresuid(process.uid, process.uid, process.uid) != 0) {
      return ErrnoStatus(absl::StrCat("setresuid ", process.uid));
    }
    return absl::OkStatus();
  };
  if (process.capabilities) {
    RETURN_IF_ERROR(security::ApplyCapabilitiesAroundUserChange(
        ToCapabilities(*process.capabilities), change_user));
  } else {
    RETURN_IF_ERROR(change_user());
  }
  if (process.no_new_privileges) RETURN_IF_ERROR(security::SetNoNewPrivs());
  umask(process.umask.value_or(022));
  if (chdir(process.cwd.c_str()) != 0) return ErrnoStatus("chdir", process.cwd);
  if (seccomp != nullptr && process.no_new_privileges) {
    RETURN_IF_ERROR(Annotate(security::LoadSeccomp(*seccomp), "seccomp"));
  }
  return absl::OkStatus();
}

absl::Status Exec(const std::string& path, const ProcessPlan& process) {
  std::vector<char*> argv;
  argv.reserve(process.args.size() + 1);
  for (const std::string& a : process.args) {
    argv.push_back(const_cast<char*>(a.c_str()));
  }
  argv.push_back(nullptr);
  std::vector<char*> envp;
  envp.reserve(process.env.size() + 1);
  for (const std::string& e : process.env) {
    envp.push_back(const_cast<char*>(e.c_str()));
  }
  envp.push_back(nullptr);
  execve(path.c_str(), argv.data(), envp.data());
  int err = errno;
  std::string msg =
      absl::StrCat("exec ", path, ": ", absl::AsciiStrToLower(strerror(err)));
  if (err == ENOENT) return absl::NotFoundError(msg);
  return absl::PermissionDeniedError(msg);
}

int ExitCodeForExecFailure(const absl::Status& status) {
  // The shell's codes: 127 when there is nothing to run, 126 when it was
  // found but cannot be run.
  if (absl::IsNotFound(status)) return 127;
  if (absl::IsPermissionDenied(status)) return 126;
  return 127;
}

}  // namespace crate::linux
