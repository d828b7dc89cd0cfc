// Who may call crated: root, the socket's owner, or a member of the
// socket's group (docker's rule for its socket), decided from the
// connecting process's credentials (SO_PEERCRED), which the kernel vouches
// for.
#ifndef CRATE_API_SERVER_PEER_AUTH_H_
#define CRATE_API_SERVER_PEER_AUTH_H_

#include <sys/types.h>

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace crate::server {

struct PeerCred {
  pid_t pid = 0;
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;  // supplementary, from /proc/<pid>/status
};

// SO_PEERCRED of a connected unix socket, with the peer's groups.
absl::StatusOr<PeerCred> PeerCredOf(int fd);

struct SocketAccess {
  uid_t owner = 0;
  gid_t group = 0;
};

// The owner and group of the socket file at `path`.
absl::StatusOr<SocketAccess> SocketAccessOf(const std::string& path);

// Empty when `peer` may call; otherwise why not, for the caller's error.
std::string DenyReason(const PeerCred& peer, const SocketAccess& access);

}  // namespace crate::server

#endif  // CRATE_API_SERVER_PEER_AUTH_H_
