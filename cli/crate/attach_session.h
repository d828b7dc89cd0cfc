// Attaching the terminal to a container's own process: for run and
// start -a (attached before the start, so nothing the process writes is
// missed) and for attach (to one already running).
#ifndef CRATE_CLI_CRATE_ATTACH_SESSION_H_
#define CRATE_CLI_CRATE_ATTACH_SESSION_H_

#include <functional>
#include <string>

#include "cli/crate/client.h"

namespace crate::cli {

struct AttachSetup {
  bool stdin = false;  // relay our stdin (the container must take it)
  bool tty = false;    // the container has a terminal
  std::string detach_keys = "ctrl-p,ctrl-q";
  bool sig_proxy = true;  // without a terminal: signals to the container
  // Start it once attached (run, start -a): a created container, or an
  // exited one again.
  bool start = false;
  // Runs when the start failed, or when the container has exited (run
  // --rm removes it).
  std::function<void()> on_start_failed;
  std::function<void()> on_exit;
};

// Attaches, relays, and returns the code to exit with: the container's
// own, 0 after a detach, 125 for the service's errors.
int AttachAndRelay(Client& client, const std::string& container,
                   const AttachSetup& setup);

}  // namespace crate::cli

#endif  // CRATE_CLI_CRATE_ATTACH_SESSION_H_
