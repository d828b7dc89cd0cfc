#include "cli/crate-runtime/foreground.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "runtime/linux/console.h"

namespace crate::cli {
namespace {

// Signals a foreground run passes on to the container, as runc does.
constexpr int kForwarded[] = {SIGHUP,  SIGINT,   SIGQUIT, SIGTERM, SIGUSR1,
                              SIGUSR2, SIGWINCH, SIGCONT, SIGTSTP, SIGALRM};

// Relays between this process's stdio and the container's pty, with our
// terminal in raw mode so that keys reach the container untouched.
class TerminalRelay {
 public:
  explicit TerminalRelay(int master) : master_(master) {
    if (master_ < 0) return;
    fcntl(master_, F_SETFL, fcntl(master_, F_GETFL) | O_NONBLOCK);
    if (isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved_) == 0) {
      struct termios raw = saved_;
      cfmakeraw(&raw);
      raw_ = tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0;
      ResizeFromStdin();
    }
  }
  ~TerminalRelay() { Restore(); }

  bool active() const { return master_ >= 0; }

  // Copies what is available; false at EOF or when nothing was there.
  bool Copy(int from, int to) {
    char buf[8192];
    ssize_t n = read(from, buf, sizeof(buf));
    if (n <= 0) return false;
    const char* p = buf;
    while (n > 0) {
      ssize_t w = write(to, p, static_cast<size_t>(n));
      if (w < 0) {
        if (errno == EINTR || errno == EAGAIN) continue;
        return false;
      }
      p += w;
      n -= w;
    }
    return true;
  }

  void ResizeFromStdin() {
    struct winsize ws;
    if (master_ >= 0 && ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0) {
      ioctl(master_, TIOCSWINSZ, &ws);
    }
  }

  void Restore() {
    if (raw_) tcsetattr(STDIN_FILENO, TCSANOW, &saved_);
    raw_ = false;
  }

 private:
  int master_;
  struct termios saved_ = {};
  bool raw_ = false;
};

int ExitCode(int wstatus) {
  if (WIFEXITED(wstatus)) return WEXITSTATUS(wstatus);
  if (WIFSIGNALED(wstatus)) return 128 + WTERMSIG(wstatus);
  return 1;
}

}  // namespace

Foreground::Foreground(bool console) {
  sigemptyset(&set_);
  for (int sig : kForwarded) sigaddset(&set_, sig);
  sigaddset(&set_, SIGCHLD);
  sigprocmask(SIG_BLOCK, &set_, nullptr);
  prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
  if (console) {
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0) {
      ours_.Reset(sv[0]);
      theirs_.Reset(sv[1]);
    }
  }
}

void Foreground::Created() {
  theirs_.Reset();
  if (!ours_) return;
  // The master is sent before the process reports back, so it is here now
  // if there is one at all.
  fcntl(ours_.get(), F_SETFL, fcntl(ours_.get(), F_GETFL) | O_NONBLOCK);
  absl::StatusOr<UniqueFd> m = linux::ReceiveFd(ours_.get());
  if (m.ok()) master_ = *std::move(m);
}

int Foreground::Wait(pid_t pid) {
  TerminalRelay relay(master_.get());
  UniqueFd sigfd(signalfd(-1, &set_, SFD_CLOEXEC));
  int code = 1;
  bool done = false;
  while (!done) {
    struct pollfd fds[3] = {{sigfd.get(), POLLIN, 0},
                            {relay.active() ? STDIN_FILENO : -1, POLLIN, 0},
                            {relay.active() ? master_.get() : -1, POLLIN, 0}};
    if (poll(fds, 3, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (fds[1].revents & (POLLIN | POLLHUP)) {
      relay.Copy(STDIN_FILENO, master_.get());
    }
    if (fds[2].revents & (POLLIN | POLLHUP)) {
      relay.Copy(master_.get(), STDOUT_FILENO);
    }
    if (!(fds[0].revents & POLLIN)) continue;
    struct signalfd_siginfo info;
    if (read(sigfd.get(), &info, sizeof(info)) != sizeof(info)) continue;
    int sig = static_cast<int>(info.ssi_signo);
    if (sig == SIGWINCH) relay.ResizeFromStdin();
    if (sig != SIGCHLD) {
      kill(pid, sig);
      continue;
    }
    while (true) {
      int wstatus = 0;
      pid_t reaped = waitpid(-1, &wstatus, WNOHANG);
      if (reaped <= 0) break;
      if (reaped == pid) {
        code = ExitCode(wstatus);
        done = true;
      }
    }
  }
  // What the process wrote just before it exited.
  if (relay.active()) {
    while (relay.Copy(master_.get(), STDOUT_FILENO)) {
    }
  }
  relay.Restore();
  return code;
}

}  // namespace crate::cli
