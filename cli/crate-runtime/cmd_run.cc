#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "cli/crate-runtime/commands.h"
#include "cli/crate-runtime/log.h"
#include "runtime/base/unique_fd.h"
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

int CmdRun(const GlobalOptions& g, const Args& args) {
  linux::CreateOptions o;
  std::string unused_string;
  bool unused_bool = false;
  bool detach = false;
  bool keep = false;
  Flags flags;
  AddCreateFlags(flags, &o, &unused_string, &unused_bool);
  flags.Bool("detach,d", &detach, "do not wait for the container to exit");
  flags.Bool("keep", &keep, "keep the container's state after it exits");
  Args pos;
  absl::Status s = ParseCommand("run", flags, args, 1, "container ID", &pos);
  if (s.ok()) s = PrepareCreate(g, &o);
  if (!s.ok()) return Fail(s);
  o.id = pos[0];

  sigset_t set, old;
  UniqueFd console_ours, console_theirs;
  if (!detach) {
    // Blocked before the init exists, so that no signal meant for it is
    // lost; the init unblocks them for itself. The init may be forked by a
    // process that exits, so we must become its reaper.
    sigemptyset(&set);
    for (int sig : kForwarded) sigaddset(&set, sig);
    sigaddset(&set, SIGCHLD);
    sigprocmask(SIG_BLOCK, &set, &old);
    prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
    if (o.console_socket.empty()) {
      // With process.terminal the init sends its pty master here and this
      // process relays it to its own stdio, as `runc run` does.
      int sv[2];
      if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0) {
        console_ours.Reset(sv[0]);
        console_theirs.Reset(sv[1]);
        o.console_fd = sv[1];
      }
    }
  }
  absl::StatusOr<pid_t> pid = linux::Create(o);
  console_theirs.Reset();
  if (!pid.ok()) return Fail(pid.status());
  UniqueFd master;
  if (console_ours) {
    // The init sends the master before it reports ready, so it is here now
    // if there is one at all.
    int flags = fcntl(console_ours.get(), F_GETFL);
    fcntl(console_ours.get(), F_SETFL, flags | O_NONBLOCK);
    absl::StatusOr<UniqueFd> m = linux::ReceiveFd(console_ours.get());
    if (m.ok()) master = *std::move(m);
  }
  std::string warning;
  s = linux::Start(g.root, o.id, &warning);
  if (!warning.empty()) LogWarning(warning);
  if (!s.ok()) {
    int code = Fail(s);
    (void)linux::Delete(g.root, o.id, /*force=*/true);
    return code;
  }
  if (detach) return 0;

  TerminalRelay relay(master.get());
  UniqueFd sigfd(signalfd(-1, &set, SFD_CLOEXEC));
  int code = 1;
  bool done = false;
  while (!done) {
    struct pollfd fds[3] = {{sigfd.get(), POLLIN, 0},
                            {relay.active() ? STDIN_FILENO : -1, POLLIN, 0},
                            {relay.active() ? master.get() : -1, POLLIN, 0}};
    if (poll(fds, 3, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (fds[1].revents & (POLLIN | POLLHUP))
      relay.Copy(STDIN_FILENO, master.get());
    if (fds[2].revents & (POLLIN | POLLHUP))
      relay.Copy(master.get(), STDOUT_FILENO);
    if (!(fds[0].revents & POLLIN)) continue;
    struct signalfd_siginfo info;
    if (read(sigfd.get(), &info, sizeof(info)) != sizeof(info)) continue;
    int sig = static_cast<int>(info.ssi_signo);
    if (sig == SIGWINCH) relay.ResizeFromStdin();
    if (sig != SIGCHLD) {
      kill(*pid, sig);
      continue;
    }
    while (true) {
      int wstatus = 0;
      pid_t reaped = waitpid(-1, &wstatus, WNOHANG);
      if (reaped <= 0) break;
      if (reaped == *pid) {
        code = ExitCode(wstatus);
        done = true;
      }
    }
  }
  // What the process wrote just before it exited.
  if (relay.active()) {
    while (relay.Copy(master.get(), STDOUT_FILENO)) {
    }
  }
  relay.Restore();
  if (!keep) {
    warning.clear();
    s = linux::Delete(g.root, o.id, /*force=*/true, &warning);
    if (!s.ok()) LogError(s.message());
    if (!warning.empty()) LogWarning(warning);
  }
  return code;
}

}  // namespace crate::cli
