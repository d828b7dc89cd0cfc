// docker's --security-opt list, read into what it asks for.
#ifndef CRATE_RUNTIME_CONTAINER_SECURITY_OPTIONS_H_
#define CRATE_RUNTIME_CONTAINER_SECURITY_OPTIONS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/optional.h"

namespace crate::container {

struct SecurityOptions {
  bool no_new_privileges = false;
  bool seccomp_unconfined = false;
  // A docker seccomp profile (JSON text); empty: the default profile.
  std::string seccomp_profile;
  // Set: this AppArmor profile ("unconfined" included) instead of the
  // default.
  absl::optional<std::string> apparmor_profile;
  // Accepted for docker's command lines; crate sets no SELinux labels.
  bool label_disable = false;
  // No masked or read-only /proc and /sys paths.
  bool systempaths_unconfined = false;
};

// Each entry is KEY=VALUE or docker's older KEY:VALUE: no-new-privileges
// (alone, =true or =false), seccomp=unconfined|builtin|<profile JSON>,
// apparmor=<profile>|unconfined, label=disable, systempaths=unconfined.
// Later entries win. Errors are kInvalidArgument and start with
// "--security-opt".
absl::StatusOr<SecurityOptions> ParseSecurityOptions(
    const std::vector<std::string>& opts);

}  // namespace crate::container

#endif  // CRATE_RUNTIME_CONTAINER_SECURITY_OPTIONS_H_
