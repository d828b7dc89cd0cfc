// <shim-dir>/shim.pid: which process is a container's shim, with its start
// time, so that a fresh crated does not take a process that has reused the
// pid of a dead shim for the shim (docs/SERVICE.md, "How a fresh crated
// finds everything again").
#ifndef CRATE_RUNTIME_SHIM_SHIM_PID_FILE_H_
#define CRATE_RUNTIME_SHIM_SHIM_PID_FILE_H_

#include <sys/types.h>

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace crate::shim {

struct ShimPid {
  pid_t pid = 0;
  // Field 22 of /proc/<pid>/stat: clock ticks after boot.
  uint64_t start_time = 0;
};

// The start time of `pid`, 0 when there is no such process.
uint64_t ProcessStartTime(pid_t pid);

// {"pid": N, "start_time": T}, replacing `path` atomically.
absl::Status WriteShimPidFile(const std::string& path, const ShimPid& shim);

// NotFound when missing; DataLoss naming the file when it is not one.
absl::StatusOr<ShimPid> ReadShimPidFile(const std::string& path);

// Whether the process the file names still runs and is the one that wrote
// it (same start time). A zombie is not alive.
bool ShimAlive(const ShimPid& shim);

}  // namespace crate::shim

#endif  // CRATE_RUNTIME_SHIM_SHIM_PID_FILE_H_
