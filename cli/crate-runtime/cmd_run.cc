#include <errno.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "cli/crate-runtime/commands.h"
#include "cli/crate-runtime/log.h"

namespace crate::cli {
namespace {

// Signals a foreground run passes on to the container, as runc does.
constexpr int kForwarded[] = {SIGHUP,  SIGINT,   SIGQUIT, SIGTERM, SIGUSR1,
                              SIGUSR2, SIGWINCH, SIGCONT, SIGTSTP, SIGALRM};

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
  if (!detach) {
    // Blocked before the init exists, so that no signal meant for it is
    // lost; the init unblocks them for itself. The init may be forked by a
    // process that exits, so we must become its reaper.
    sigemptyset(&set);
    for (int sig : kForwarded) sigaddset(&set, sig);
    sigaddset(&set, SIGCHLD);
    sigprocmask(SIG_BLOCK, &set, &old);
    prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
  }
  absl::StatusOr<pid_t> pid = linux::Create(o);
  if (!pid.ok()) return Fail(pid.status());
  s = linux::Start(g.root, o.id);
  if (!s.ok()) {
    int code = Fail(s);
    (void)linux::Delete(g.root, o.id, /*force=*/true);
    return code;
  }
  if (detach) return 0;

  int code = 1;
  while (true) {
    siginfo_t info;
    int sig = sigwaitinfo(&set, &info);
    if (sig < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (sig != SIGCHLD) {
      kill(*pid, sig);
      continue;
    }
    bool done = false;
    while (true) {
      int wstatus = 0;
      pid_t reaped = waitpid(-1, &wstatus, WNOHANG);
      if (reaped <= 0) break;
      if (reaped == *pid) {
        code = ExitCode(wstatus);
        done = true;
      }
    }
    if (done) break;
  }
  if (!keep) {
    s = linux::Delete(g.root, o.id, /*force=*/true);
    if (!s.ok()) LogError(s.message());
  }
  return code;
}

}  // namespace crate::cli
