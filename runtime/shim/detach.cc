#include "runtime/shim/detach.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runtime/base/errno_status.h"
#include "runtime/base/unique_fd.h"

namespace crate::shim {

void Detach() {
  pid_t middle = fork();
  if (middle < 0) _exit(1);
  if (middle > 0) {
    int wstatus = 0;
    while (waitpid(middle, &wstatus, 0) < 0) {
      if (errno != EINTR) _exit(1);
    }
    _exit(WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 1);
  }
  if (setsid() < 0) _exit(1);
  pid_t shim = fork();
  if (shim < 0) _exit(1);
  if (shim > 0) _exit(0);
}

absl::Status BecomeShimProcess() {
  if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0) {
    return ErrnoStatus("prctl PR_SET_CHILD_SUBREAPER");
  }
  for (int sig : {SIGPIPE, SIGTERM, SIGINT, SIGHUP}) signal(sig, SIG_IGN);
  UniqueFd null(open("/dev/null", O_RDWR | O_CLOEXEC));
  if (!null) return ErrnoStatus("open", "/dev/null");
  for (int fd = 0; fd <= 2; ++fd) {
    if (dup2(null.get(), fd) < 0) return ErrnoStatus("dup2", "/dev/null");
  }
  if (null.get() <= 2) null.Release();  // it is one of 0-2 now
  if (chdir("/") != 0) return ErrnoStatus("chdir", "/");
  return absl::OkStatus();
}

}  // namespace crate::shim
