// The runtime-spec "features" document (what `features` prints) and the
// default config.json that `spec` writes.
#ifndef CRATE_RUNTIME_OCI_FEATURES_H_
#define CRATE_RUNTIME_OCI_FEATURES_H_

#include <string>

namespace crate::oci {

struct FeatureSupport {
  bool seccomp = false;  // Whether seccomp filters are applied.
  bool cgroup_v1 = false;
  bool cgroup_v2 = false;
};

std::string FeaturesJson(const FeatureSupport& support);

// A config.json for a busybox-like rootfs at "rootfs", as `runc spec` makes
// it. `rootless` adds a user namespace mapping the caller's IDs to root and
// drops what an unprivileged user cannot do (network namespace, cgroup mount).
std::string DefaultSpecJson(bool rootless, unsigned uid = 0, unsigned gid = 0);

}  // namespace crate::oci

#endif  // CRATE_RUNTIME_OCI_FEATURES_H_
