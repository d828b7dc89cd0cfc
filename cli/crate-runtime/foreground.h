// What `run` and `exec` do in the foreground: forward signals to the
// container's process, relay its terminal to ours, reap it and return its
// exit status.
#ifndef CRATE_CLI_CRATE_RUNTIME_FOREGROUND_H_
#define CRATE_CLI_CRATE_RUNTIME_FOREGROUND_H_

#include <signal.h>
#include <sys/types.h>

#include "runtime/base/unique_fd.h"

namespace crate::cli {

class Foreground {
 public:
  // Blocks the forwarded signals (so none is lost before the process
  // exists; it unblocks them for itself), becomes the child subreaper (the
  // process may be forked by one that exits) and, with `console`, makes the
  // socket over which the process sends its pty master.
  explicit Foreground(bool console);

  // For CreateOptions/ExecOptions.console_fd; -1 without a console.
  int console_fd() const { return theirs_.get(); }

  // Once the process is created: takes the pty master if one was sent.
  void Created();

  // Relays until `pid` exits; 128+signal for a killed process.
  int Wait(pid_t pid);

 private:
  sigset_t set_;
  UniqueFd ours_, theirs_, master_;
};

}  // namespace crate::cli

#endif  // CRATE_CLI_CRATE_RUNTIME_FOREGROUND_H_
