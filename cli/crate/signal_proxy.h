// Signals sent to the CLI while it runs a container in the foreground
// (Ctrl-C, kill) go to the container, as docker's --sig-proxy does; the
// container decides whether to end, and `run` then exits with its code.
// At any other time they end the CLI as they would without this, with a
// terminal in raw mode put back first.
#ifndef CRATE_CLI_CRATE_SIGNAL_PROXY_H_
#define CRATE_CLI_CRATE_SIGNAL_PROXY_H_

#include <functional>

namespace crate::cli {

// Blocks the proxied signals and starts the thread that takes them. Call
// first in main, before any other thread (gRPC's) exists, so that every
// thread inherits the mask.
void InstallSignalProxy();

// While alive, proxied signals are handed to `forward` (the signal
// number). After three SIGINTs the CLI gives up and exits, leaving the
// container running, as docker does.
class SignalForwarding {
 public:
  explicit SignalForwarding(std::function<void(int)> forward);
  ~SignalForwarding();
  SignalForwarding(const SignalForwarding&) = delete;
  SignalForwarding& operator=(const SignalForwarding&) = delete;
};

// While alive, each change of our terminal's size (SIGWINCH) calls
// `changed`, on the signal thread.
class WindowChanges {
 public:
  explicit WindowChanges(std::function<void()> changed);
  ~WindowChanges();
  WindowChanges(const WindowChanges&) = delete;
  WindowChanges& operator=(const WindowChanges&) = delete;
};

}  // namespace crate::cli

#endif  // CRATE_CLI_CRATE_SIGNAL_PROXY_H_
