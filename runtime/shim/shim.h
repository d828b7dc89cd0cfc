// crate-shim's work once it has detached (docs/SERVICE.md, "The shim"):
// create the container, report, serve requests and stdio in one loop until
// the container is gone, and leave its exit in the exit file.
#ifndef CRATE_RUNTIME_SHIM_SHIM_H_
#define CRATE_RUNTIME_SHIM_SHIM_H_

#include <cstdint>
#include <string>

#include "absl/time/time.h"
#include "runtime/shim/container_ops.h"

namespace crate::shim {

struct ShimConfig {
  std::string id;        // the container; requests naming another fail
  std::string shim_dir;  // shim.pid and shim.sock go here
  std::string log_path;  // the CRI log of the init's output
  int64_t log_max = 0;   // rotation size; 0 never rotates
  std::string exit_file;
  bool tty = false;         // the init has a terminal
  bool open_stdin = false;  // the init's stdin is a pipe, not /dev/null
  // After the init has exited, the shim stays at least this long, for a
  // client about to ask for the exit (wait, attach, state) ...
  absl::Duration linger = absl::Seconds(2);
  // ... and at most this long for attached clients to go away.
  absl::Duration max_linger = absl::Seconds(10);
  // A line left unfinished this long reaches the log as a P record.
  absl::Duration log_flush_delay = absl::Seconds(1);
};

// Creates the container through `ops`, writes shim.pid and binds shim.sock,
// then writes one line to `ready_fd` and closes it:
//   {"ok":true,"pid":INIT,"shim_pid":SELF}, or the error as ErrorResponse.
// Serves until the container is gone. Returns the shim's exit status: 0, or
// 1 when the container could not be created (nothing is left then). The
// caller has blocked no signal; SIGCHLD is blocked here for a signalfd.
int RunShim(const ShimConfig& config, ContainerOps& ops, int ready_fd);

}  // namespace crate::shim

#endif  // CRATE_RUNTIME_SHIM_SHIM_H_
