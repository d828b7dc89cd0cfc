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
  // gets it whole.
  absl::Status reported =
      WriteAll(ready_fd, SerializeMessage(report) + "\n", "--ready-fd");
  close(ready_fd);
  if (!init.ok()) return 1;
  if (!reported.ok()) {
    // The reader went before the report (crated killed during create):
    // the container was never acknowledged, and a fresh crated removes
    // the record without knowing this shim, so the shim removes it.
    server.Abandon(*init);
    return 1;
  }
  server.Serve();
  return 0;
}

}  // namespace crate::shim
