// Where the CLI finds crated: /run/crate/crate.sock for root,
// $XDG_RUNTIME_DIR/crate/crate.sock otherwise; CRATE_HOST overrides both.
#ifndef CRATE_CLI_CRATE_SOCKET_PATH_H_
#define CRATE_CLI_CRATE_SOCKET_PATH_H_

#include <sys/types.h>

#include <string>

#include "absl/status/statusor.h"

namespace crate::cli {

struct SocketEnv {
  uid_t euid = 0;
  const char* xdg_runtime_dir = nullptr;  // $XDG_RUNTIME_DIR
  const char* crate_host = nullptr;       // $CRATE_HOST, e.g. unix:///x.sock
};

// The gRPC target ("unix:/run/crate/crate.sock") for this environment.
absl::StatusOr<std::string> ServiceTarget(const SocketEnv& env);

// Reads the environment of this process.
SocketEnv CurrentSocketEnv();

}  // namespace crate::cli

#endif  // CRATE_CLI_CRATE_SOCKET_PATH_H_
