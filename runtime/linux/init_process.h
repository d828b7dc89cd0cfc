// The container's init as the runtime knows it: a pid, the start time it
// had when it was created, and, where the kernel has pidfd_open (5.3), a
// pidfd opened once. Whether the init still lives and signalling it then
// need no /proc read, and a pid recycled for another process can neither
// be taken for the init nor be signalled in its place.
#ifndef CRATE_RUNTIME_LINUX_INIT_PROCESS_H_
#define CRATE_RUNTIME_LINUX_INIT_PROCESS_H_

#include <sys/types.h>

#include <cstdint>

#include "absl/status/status.h"
#include "runtime/base/unique_fd.h"

namespace crate::linux {

class InitProcess {
 public:
  // No process: a container whose init never existed (or is long gone).
  InitProcess() = default;

  // The process with `pid`, if it is still the one that started at
  // `start_time` (0: not recorded, any start time) and has not exited.
  // Otherwise the init reads as gone from then on.
  static InitProcess Open(pid_t pid, uint64_t start_time);

  InitProcess(InitProcess&&) = default;
  InitProcess& operator=(InitProcess&&) = default;

  pid_t pid() const { return pid_; }

  // Not exited (a zombie has), and the pid not taken by another process.
  // Once false, always false.
  bool Alive();

  // Waits up to `timeout_ms` for the init to exit; whether it did.
  bool WaitExited(int timeout_ms);

  // Sends `signal` to the init; an init that is already gone is fine.
  absl::Status Signal(int signal);

 private:
  InitProcess(pid_t pid, uint64_t start_time, UniqueFd pidfd)
      : pid_(pid),
        start_time_(start_time),
        gone_(false),
        pidfd_(std::move(pidfd)) {}

  pid_t pid_ = 0;
  uint64_t start_time_ = 0;
  bool gone_ = true;
  // Invalid where the kernel has no pidfd_open: /proc is read instead.
  UniqueFd pidfd_;
};

}  // namespace crate::linux

#endif  // CRATE_RUNTIME_LINUX_INIT_PROCESS_H_
