// docker top: `ps` run on the host, its lines kept for the container's
// processes only.
#ifndef CRATE_API_ENGINE_TOP_H_
#define CRATE_API_ENGINE_TOP_H_

#include <sys/types.h>

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace crate::engine {

struct TopResult {
  std::vector<std::string> titles;
  std::vector<std::vector<std::string>> processes;  // one field per title
};

// docker's default: "-ef" (UID PID PPID C STIME TTY TIME CMD).
std::vector<std::string> TopArgs(const std::vector<std::string>& ps_args);

// Lines of `ps` output whose PID column names one of `pids`; the last
// column takes the rest of its line (a command with spaces). No PID column
// is kInvalidArgument.
absl::StatusOr<TopResult> ParsePsOutput(absl::string_view output,
                                        const std::vector<pid_t>& pids);

// Runs `ps ARGS...` (no shell) and returns its stdout; its failure or
// stderr is the error. Killed after `timeout`.
absl::StatusOr<std::string> RunPs(const std::vector<std::string>& args,
                                  absl::Duration timeout = absl::Seconds(10));

}  // namespace crate::engine

#endif  // CRATE_API_ENGINE_TOP_H_
