// <shim-dir>/shim.sock: the shim's listening socket (SOCK_SEQPACKET, so
// each message is one datagram; see protocol.h), and the client side that
// crated and tests connect with.
#ifndef CRATE_RUNTIME_SHIM_CONTROL_SOCKET_H_
#define CRATE_RUNTIME_SHIM_CONTROL_SOCKET_H_

#include <string>

#include "absl/status/statusor.h"
#include "runtime/base/unique_fd.h"

namespace crate::shim {

// Listens on `path` with mode 0600 from the moment it exists (only its
// owner, crated, may talk to the shim); the fd is non-blocking. A socket
// file that nobody answers on (a shim that died) is replaced; one that
// answers is AlreadyExists: another shim serves it.
absl::StatusOr<UniqueFd> ListenControlSocket(const std::string& path);

// Connects to a shim's socket; the fd is blocking.
absl::StatusOr<UniqueFd> ConnectControlSocket(const std::string& path);

}  // namespace crate::shim

#endif  // CRATE_RUNTIME_SHIM_CONTROL_SOCKET_H_
