// The user's terminal while a container's terminal is relayed to it: raw
// mode (every key goes to the container, ^C included), its size, and its
// settings put back on every way out, a fatal signal included.
#ifndef CRATE_CLI_CRATE_TERMINAL_H_
#define CRATE_CLI_CRATE_TERMINAL_H_

#include <memory>

#include "absl/status/statusor.h"
#include "absl/types/optional.h"

namespace crate::cli {

struct WindowSize {
  int rows = 0;
  int cols = 0;
};

bool IsTerminal(int fd);

// The size of the terminal on `fd`; nullopt for something else or a
// terminal that reports 0x0 (a pty nobody sized).
absl::optional<WindowSize> TerminalSize(int fd);

// The terminal on `fd` in raw mode for this object's life.
class RawTerminal {
 public:
  // FailedPrecondition when `fd` is not a terminal.
  static absl::StatusOr<std::unique_ptr<RawTerminal>> Enter(int fd);
  ~RawTerminal();
  RawTerminal(const RawTerminal&) = delete;
  RawTerminal& operator=(const RawTerminal&) = delete;

 private:
  RawTerminal() = default;
};

// Puts back the settings of a terminal in raw mode now, if one is: for the
// way out of a fatal signal. Async-signal-safe.
void RestoreTerminalNow();

}  // namespace crate::cli

#endif  // CRATE_CLI_CRATE_TERMINAL_H_
