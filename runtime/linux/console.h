// The container's terminal (process.terminal): the init opens a pty from
// its own devpts, makes the slave its stdio and controlling terminal, and
// sends the master to whoever listens on --console-socket (podman's
// conmon, containerd's shim), as runc does.
#ifndef CRATE_RUNTIME_LINUX_CONSOLE_H_
#define CRATE_RUNTIME_LINUX_CONSOLE_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/optional.h"
#include "runtime/base/unique_fd.h"
#include "runtime/oci/spec.h"

namespace crate::linux {

// Connects to the AF_UNIX socket at `path`.
absl::StatusOr<UniqueFd> ConnectConsoleSocket(const std::string& path);

// In the init, inside the container: pty from /dev/ptmx, slave on 0/1/2 as
// the controlling terminal, master sent over `socket_fd`.
absl::Status SetupConsole(int socket_fd,
                          const absl::optional<oci::ConsoleSize>& size);

// Sends `fd` with SCM_RIGHTS and `name` as the payload.
absl::Status SendFd(int socket_fd, int fd, const std::string& name);
// Receives one fd sent by SendFd.
absl::StatusOr<UniqueFd> ReceiveFd(int socket_fd);

}  // namespace crate::linux

#endif  // CRATE_RUNTIME_LINUX_CONSOLE_H_
