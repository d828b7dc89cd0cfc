// Where crated's listening sockets come from: systemd's socket activation
// (LISTEN_PID/LISTEN_FDS, the fds from 3 on) or a unix socket it binds
// itself. gRPC 1.51 cannot be handed a listening socket, so crated accepts
// on these fds itself (see connection_acceptor.h).
#ifndef CRATE_API_SERVER_ACTIVATION_H_
#define CRATE_API_SERVER_ACTIVATION_H_

#include <sys/types.h>

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "runtime/base/unique_fd.h"

namespace crate::server {

struct ActivationEnv {
  pid_t pid = 0;                     // getpid()
  const char* listen_pid = nullptr;  // $LISTEN_PID
  const char* listen_fds = nullptr;  // $LISTEN_FDS
};

ActivationEnv CurrentActivationEnv();

// The inherited listening fds (3, 4, ...), or none when the variables are
// absent or meant for another process. Malformed values are an error
// naming the variable.
absl::StatusOr<std::vector<int>> InheritedSockets(const ActivationEnv& env);

struct UnixListenOptions {
  std::string path;
  mode_t mode = 0660;
  // The socket's group: its members may call crated. Empty or a group that
  // does not exist: the owner's primary group.
  std::string group;
};

// Binds and listens on a unix socket (making its directory, 0711). A stale
// socket file nobody answers on is replaced; one a live service answers on
// is kAlreadyExists, naming the path.
absl::StatusOr<UniqueFd> ListenUnix(const UnixListenOptions& options);

// The path a listening unix socket is bound to (for inherited ones).
absl::StatusOr<std::string> UnixSocketPath(int fd);

}  // namespace crate::server

#endif  // CRATE_API_SERVER_ACTIVATION_H_
