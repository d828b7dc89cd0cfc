// The last steps of the container init: limits, the user, capabilities and
// the exec. Until runtime/security lands this applies the minimum itself:
// setrlimit, capset/PR_CAPBSET_DROP/ambient, no_new_privs.
// TODO(runtime): take seccomp and the capability logic from runtime/security.
#ifndef CRATE_RUNTIME_LINUX_PROCESS_H_
#define CRATE_RUNTIME_LINUX_PROCESS_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "runtime/linux/plan.h"

namespace crate::linux {

// setrlimit for each configured limit. Raising a hard limit needs
// CAP_SYS_RESOURCE; the error says so.
absl::Status ApplyRlimits(const ProcessPlan& process);

// Writes /proc/self/oom_score_adj.
absl::Status ApplyOomScoreAdj(const ProcessPlan& process);

// Finds args[0] like execvp would, with PATH from the container's env (not
// the runtime's), in the current root.
absl::StatusOr<std::string> ResolveExecutable(const ProcessPlan& process);

// Bounding set, user and groups, capabilities, no_new_privs, umask, cwd.
absl::Status BecomeProcessUser(const ProcessPlan& process);

// Never returns on success.
absl::Status Exec(const std::string& path, const ProcessPlan& process);

}  // namespace crate::linux

#endif  // CRATE_RUNTIME_LINUX_PROCESS_H_
