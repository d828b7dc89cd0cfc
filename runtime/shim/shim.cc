#include "runtime/shim/shim.h"

#include <unistd.h>

#include "runtime/base/file_util.h"
#include "runtime/shim/frames.h"
#include "runtime/shim/protocol.h"
#include "runtime/shim/shim_server.h"

namespace crate::shim {

int RunShim(const ShimConfig& config, ContainerOps& ops, int ready_fd) {
  ShimServer server(config, ops);
  absl::StatusOr<pid_t> init = server.Setup();
  nlohmann::json report =
      init.ok()
          ? nlohmann::json{{"ok", true}, {"pid", *init}, {"shim_pid", getpid()}}
          : ErrorResponse(init.status());
  // One line: a pipe's reader reads to the newline, a datagram socket's
  // gets it whole. A reader that has gone changes nothing: the shim serves
  // the container all the same, and crated finds it through shim.pid.
  WriteAll(ready_fd, SerializeMessage(report) + "\n", "--ready-fd")
      .IgnoreError();
  close(ready_fd);
  if (!init.ok()) return 1;
  server.Serve();
  return 0;
}

}  // namespace crate::shim
