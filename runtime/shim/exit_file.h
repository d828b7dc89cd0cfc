// exit.json: how a container ended, written by its shim after reaping the
// init and before the shim exits, so that a crated that was not running at
// the time (or a fresh one after a reboot) still learns the exit code.
// Written atomically (temp file, fsync, rename, fsync of the directory): a
// reader finds the whole file or none.
#ifndef CRATE_RUNTIME_SHIM_EXIT_FILE_H_
#define CRATE_RUNTIME_SHIM_EXIT_FILE_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace crate::shim {

struct ExitStatus {
  // The process's exit status, or 128 + the signal that killed it, as the
  // shell and docker report it.
  int exit_code = 0;
  int signal = 0;  // the killing signal, 0 for a normal exit
  bool oom_killed = false;
  absl::Time finished_at = absl::UnixEpoch();
  // Why, when the status alone does not say ("shim died"); may be empty.
  std::string reason;
};

// From waitpid's status of a process that has ended.
ExitStatus FromWaitStatus(int wstatus, absl::Time finished_at);

// {"exit_code", "signal", "oom_killed", "finished_at" (RFC 3339, UTC,
// nanoseconds), "reason"}, replacing `path` atomically.
absl::Status WriteExitFile(const std::string& path, const ExitStatus& status);

// NotFound when there is no file (the container has not exited, or its shim
// died first); DataLoss naming the file and the field when it is not an
// exit file.
absl::StatusOr<ExitStatus> ReadExitFile(const std::string& path);

}  // namespace crate::shim

#endif  // CRATE_RUNTIME_SHIM_EXIT_FILE_H_
