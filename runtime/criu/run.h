// Runs a criu command line decided by plan.h: exec of the criu binary (not
// its RPC service), with the fds it inherits placed at the numbers the
// plan named, and an error that quotes the end of criu's log.
#ifndef CRATE_RUNTIME_CRIU_RUN_H_
#define CRATE_RUNTIME_CRIU_RUN_H_

#include <sys/types.h>

#include <functional>
#include <map>

#include "absl/status/status.h"
#include "runtime/criu/plan.h"

namespace crate::criu {

struct RunOptions {
  // Fds the child gets at these numbers (target -> fd of ours).
  std::map<int, int> fds;
  // Called with criu's pid before it execs (puts it into the container's
  // cgroup, so the restored tree is born there).
  std::function<absl::Status(pid_t)> before_exec;
};

// Runs criu to completion. A failure names the command and quotes the
// log's last error lines.
absl::Status RunCriu(const Invocation& invocation,
                     const RunOptions& options = {});

}  // namespace crate::criu

#endif  // CRATE_RUNTIME_CRIU_RUN_H_
