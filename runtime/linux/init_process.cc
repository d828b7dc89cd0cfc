#include "runtime/linux/init_process.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "runtime/base/errno_status.h"
#include "runtime/linux/state_dir.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif

namespace crate::linux {

InitProcess InitProcess::Open(pid_t pid, uint64_t start_time) {
  if (pid <= 0) return InitProcess();
  UniqueFd pidfd(static_cast<int>(syscall(SYS_pidfd_open, pid, 0)));
  if (!pidfd && errno == ESRCH) return InitProcess();
  // Checked after the pidfd is open: if the pid still names the process
  // that started then, the pidfd is that process's, whatever happens to
  // the pid later.
  if (!InitAlive(pid, start_time)) return InitProcess();
  return InitProcess(pid, start_time, std::move(pidfd));
}

bool InitProcess::Alive() {
  if (gone_) return false;
  if (pidfd_) {
    struct pollfd p = {pidfd_.get(), POLLIN, 0};
    gone_ = poll(&p, 1, 0) == 1;
  } else {
    gone_ = !InitAlive(pid_, start_time_);
  }
  return !gone_;
}

bool InitProcess::WaitExited(int timeout_ms) {
  if (gone_) return true;
  if (pidfd_) {
    struct pollfd p = {pidfd_.get(), POLLIN, 0};
    int n;
    do {
      n = poll(&p, 1, timeout_ms);
    } while (n < 0 && errno == EINTR);
    gone_ = n == 1;
    return gone_;
  }
  for (int waited = 0; waited <= timeout_ms; waited += 5) {
    if (!Alive()) return true;
    struct timespec ts = {0, 5 * 1000 * 1000};
    nanosleep(&ts, nullptr);
  }
  return !Alive();
}

absl::Status InitProcess::Signal(int signal) {
  if (!Alive()) return absl::OkStatus();
  int rc = pidfd_ ? static_cast<int>(syscall(SYS_pidfd_send_signal,
                                             pidfd_.get(), signal, nullptr, 0))
                  : ::kill(pid_, signal);
  if (rc != 0 && errno != ESRCH) {
    return ErrnoStatus(absl::StrCat("kill ", pid_));
  }
  return absl::OkStatus();
}

}  // namespace crate::linux
