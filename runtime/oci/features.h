// The runtime-spec "features" document (what `features` prints) and the
// default config.json that `spec` writes.
#ifndef CRATE_RUNTIME_OCI_FEATURES_H_
#define CRATE_RUNTIME_OCI_FEATURES_H_

#include <string>
#include <vector>

namespace crate::oci {

struct FeatureSupport {
  bool seccomp = false;  // Whether seccomp filters are applied.
  // What the seccomp filter compiler takes, and the filter flags the
  // running kernel accepts (runtime/security fills them in).
  std::vector<std::string> seccomp_actions;
  std::vector<std::string> seccomp_operators;
  std::vector<std::string> seccomp_archs;
  std::vector<std::string> seccomp_known_flags;
  std::vector<std::string> seccomp_supported_flags;
};

std::string FeaturesJson(const FeatureSupport& support);

// A config.json for a busybox-like rootfs at "rootfs", as `runc spec` makes
// it. `rootless` adds a user namespace mapping the caller's IDs to root and
// drops what an unprivileged user cannot do (network namespace, cgroup mount).
std::string DefaultSpecJson(bool rootless, unsigned uid = 0, unsigned gid = 0);

}  // namespace crate::oci

#endif  // CRATE_RUNTIME_OCI_FEATURES_H_
