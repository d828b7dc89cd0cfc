// The last steps of the container init: limits, the user, capabilities,
// seccomp and the exec, through runtime/security.
#ifndef CRATE_RUNTIME_LINUX_PROCESS_H_
#define CRATE_RUNTIME_LINUX_PROCESS_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "runtime/linux/plan.h"
#include "runtime/security/seccomp.h"

namespace crate::linux {

// setrlimit for each configured limit. Raising a hard limit needs
// CAP_SYS_RESOURCE; the error says so.
absl::Status ApplyRlimits(const ProcessPlan& process);

// process.ioPriority, process.scheduler and linux.personality, for the
// process to inherit.
absl::Status ApplyIoPriorityAndPersonality(const ProcessPlan& process);

// The AppArmor profile and SELinux label the next execve gets (written to
// /proc/self/attr/...; the plan sets them only on a host running the LSM).
absl::Status ApplyExecLabels(const ProcessPlan& process);

// AppArmor's exec attribute below `attr_dir` (/proc/self/attr): kernels
// since 5.8 have a directory per LSM (apparmor/exec), older ones only the
// shared file (exec).
std::string AppArmorExecAttr(const std::string& attr_dir);

// Writes /proc/self/oom_score_adj.
absl::Status ApplyOomScoreAdj(const ProcessPlan& process);

// Adds HOME (the user's from the container's /etc/passwd, else "/") when
// the environment lacks it, as runc does. Runs inside the container.
void AddHomeIfMissing(ProcessPlan* process);

// Finds args[0] like execvp would, with PATH from the container's env (not
// the runtime's), in the current root.
// Errors use runc's words: kNotFound for a missing file ("executable file
// not found in $PATH", "no such file or directory"), kPermissionDenied for
// one that is there but cannot be run (a directory, no execute bit, a
// noexec mount).
absl::StatusOr<std::string> ResolveExecutable(const ProcessPlan& process);

// Bounding set, user and groups, capabilities, no_new_privs, umask, cwd,
// and the seccomp filter (compiled beforehand) if there is one.
absl::Status BecomeProcessUser(const ProcessPlan& process,
                               const security::SeccompProgram* seccomp);

// Never returns on success; on failure kNotFound (ENOENT) or
// kPermissionDenied (anything else exec refuses).
absl::Status Exec(const std::string& path, const ProcessPlan& process);

// The exit status of a process whose exec (or the steps just before it)
// failed after start: 127 for nothing to run, 126 for found but not
// runnable, as a shell gives.
int ExitCodeForExecFailure(const absl::Status& status);

}  // namespace crate::linux

#endif  // CRATE_RUNTIME_LINUX_PROCESS_H_
