#include "cli/crate/socket_path.h"

#include <stdlib.h>
#include <unistd.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace crate::cli {

absl::StatusOr<std::string> ServiceTarget(const SocketEnv& env) {
  if (env.crate_host != nullptr && *env.crate_host != '\0') {
    absl::string_view host = env.crate_host;
    if (absl::StartsWith(host, "unix://"))
      return absl::StrCat("unix:", host.substr(7));
    if (absl::StartsWith(host, "unix:")) return std::string(host);
    if (absl::StartsWith(host, "/")) return absl::StrCat("unix:", host);
    return absl::InvalidArgumentError(absl::StrCat(
        "CRATE_HOST=", host, ": expected unix:///path/to/crate.sock"));
  }
  if (env.euid == 0) return std::string("unix:/run/crate/crate.sock");
  if (env.xdg_runtime_dir == nullptr || *env.xdg_runtime_dir == '\0') {
    return absl::FailedPreconditionError(
        "XDG_RUNTIME_DIR is not set: rootless crate keeps its socket there "
        "(log in through a session manager, or set it to a private directory)");
  }
  return absl::StrCat("unix:", env.xdg_runtime_dir, "/crate/crate.sock");
}

SocketEnv CurrentSocketEnv() {
  SocketEnv env;
  env.euid = geteuid();
  env.xdg_runtime_dir = getenv("XDG_RUNTIME_DIR");
  env.crate_host = getenv("CRATE_HOST");
  return env;
}

}  // namespace crate::cli
