// Where crated keeps its state: /var/lib/crate and /run/crate for root;
// $XDG_DATA_HOME/crate (~/.local/share/crate) and $XDG_RUNTIME_DIR/crate
// for anyone else (docs/SERVICE.md, "On disk").
#ifndef CRATE_CLI_CRATED_SERVICE_PATHS_H_
#define CRATE_CLI_CRATED_SERVICE_PATHS_H_

#include <sys/types.h>

#include <string>

#include "absl/status/statusor.h"

namespace crate::crated {

struct PathEnv {
  uid_t euid = 0;
  const char* home = nullptr;
  const char* xdg_data_home = nullptr;
  const char* xdg_runtime_dir = nullptr;
};

PathEnv CurrentPathEnv();

struct ServicePaths {
  std::string root;    // persistent state
  std::string run;     // runtime state, the socket
  std::string socket;  // <run>/crate.sock
};

// kFailedPrecondition naming the variable when a non-root user has no
// $XDG_RUNTIME_DIR (or $HOME).
absl::StatusOr<ServicePaths> DefaultServicePaths(const PathEnv& env);

}  // namespace crate::crated

#endif  // CRATE_CLI_CRATED_SERVICE_PATHS_H_
