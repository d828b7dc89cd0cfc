// What the shim does to its container, behind an interface: the shim's
// loop, its requests and its io are tested without root against processes
// that are not containers, and LinuxContainerOps (linux_container_ops.h)
// does it for real through runtime/linux.
#ifndef CRATE_RUNTIME_SHIM_CONTAINER_OPS_H_
#define CRATE_RUNTIME_SHIM_CONTAINER_OPS_H_

#include <sys/types.h>

#include <array>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace crate::shim {

class ContainerOps {
 public:
  virtual ~ContainerOps() = default;

  // Creates the container, its process on `stdio` (fds 0-2; -1 keeps the
  // shim's) or, with console_fd >= 0, on a terminal whose master is sent
  // over that socket. Returns the init's pid; the init is the shim's child
  // or, the shim being a subreaper, becomes it. On error nothing is left.
  virtual absl::StatusOr<pid_t> Create(const std::array<int, 3>& stdio,
                                       int console_fd) = 0;
  virtual absl::Status Start() = 0;
  virtual absl::Status Kill(int signal, bool all) = 0;
  // Runs `process` (a runtime-spec process object) in the container, as
  // for Create; returns its pid once it runs.
  virtual absl::StatusOr<pid_t> Exec(const nlohmann::json& process,
                                     const std::array<int, 3>& stdio,
                                     int console_fd) = 0;
  // "created", "running", "paused" or "stopped".
  virtual absl::StatusOr<std::string> Status() = 0;
  // Whether the OOM killer took a process of the container; asked after
  // the init has exited and before Delete.
  virtual bool OomKilled() = 0;
  // Removes the container, killing what is left of it (its cgroup too).
  virtual absl::Status Delete() = 0;
};

}  // namespace crate::shim

#endif  // CRATE_RUNTIME_SHIM_CONTAINER_OPS_H_
