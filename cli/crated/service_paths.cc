#include "cli/crated/service_paths.h"

#include <stdlib.h>
#include <unistd.h>

#include "absl/strings/str_cat.h"

namespace crate::crated {

PathEnv CurrentPathEnv() {
  return {geteuid(), getenv("HOME"), getenv("XDG_DATA_HOME"),
          getenv("XDG_RUNTIME_DIR")};
}

absl::StatusOr<ServicePaths> DefaultServicePaths(const PathEnv& env) {
  ServicePaths p;
  if (env.euid == 0) {
    p.root = "/var/lib/crate";
    p.run = "/run/crate";
  } else {
    if (env.xdg_runtime_dir == nullptr || env.xdg_runtime_dir[0] != '/') {
      return absl::FailedPreconditionError(
          "XDG_RUNTIME_DIR is not set to an absolute path: a rootless crated "
          "keeps its socket there (log in through a session that sets it, or "
          "export XDG_RUNTIME_DIR=/run/user/$(id -u))");
    }
    p.run = absl::StrCat(env.xdg_runtime_dir, "/crate");
    if (env.xdg_data_home != nullptr && env.xdg_data_home[0] == '/') {
      p.root = absl::StrCat(env.xdg_data_home, "/crate");
    } else if (env.home != nullptr && env.home[0] == '/') {
      p.root = absl::StrCat(env.home, "/.local/share/crate");
    } else {
      return absl::FailedPreconditionError(
          "neither XDG_DATA_HOME nor HOME is set to an absolute path: a "
          "rootless crated keeps its images and containers there");
    }
  }
  p.socket = p.run + "/crate.sock";
  return p;
}

}  // namespace crate::crated
