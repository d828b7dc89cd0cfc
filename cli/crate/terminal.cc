#include "cli/crate/terminal.h"

#include <errno.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <atomic>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace crate::cli {
namespace {

// One terminal at a time is in raw mode; its fd and settings are kept
// where a signal's way out can reach them without a lock.
struct termios g_saved;
std::atomic<int> g_raw_fd{-1};

}  // namespace

bool IsTerminal(int fd) { return isatty(fd) == 1; }

absl::optional<WindowSize> TerminalSize(int fd) {
  struct winsize ws;
  std::memset(&ws, 0, sizeof(ws));
  if (ioctl(fd, TIOCGWINSZ, &ws) != 0 || ws.ws_row == 0 || ws.ws_col == 0) {
    return absl::nullopt;
  }
  return WindowSize{ws.ws_row, ws.ws_col};
}

absl::StatusOr<std::unique_ptr<RawTerminal>> RawTerminal::Enter(int fd) {
  struct termios t;
  if (tcgetattr(fd, &t) != 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the input device is not a TTY (fd ", fd, "): ", std::strerror(errno)));
  }
  g_saved = t;
  // docker's raw mode (moby/term MakeRaw): no echo, no line editing, no
  // signals from keys, no CR/NL translation either way, 8-bit bytes.
  cfmakeraw(&t);
  t.c_cc[VMIN] = 1;
  t.c_cc[VTIME] = 0;
  if (tcsetattr(fd, TCSANOW, &t) != 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        "setting the terminal to raw mode: ", std::strerror(errno)));
  }
  g_raw_fd.store(fd);
  return std::unique_ptr<RawTerminal>(new RawTerminal);
}

RawTerminal::~RawTerminal() { RestoreTerminalNow(); }

void RestoreTerminalNow() {
  int fd = g_raw_fd.exchange(-1);
  // TCSADRAIN: what the container wrote last reaches the screen in the
  // mode it was written for.
  if (fd >= 0) tcsetattr(fd, TCSADRAIN, &g_saved);
}

}  // namespace crate::cli
