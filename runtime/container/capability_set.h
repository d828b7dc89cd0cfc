// The container's capabilities by docker's rules (TweakCapabilities):
// docker's default set, less --cap-drop, plus --cap-add; "ALL" in
// --cap-add starts from every capability, "ALL" in --cap-drop from none;
// --privileged gets everything whatever was dropped.
#ifndef CRATE_RUNTIME_CONTAINER_CAPABILITY_SET_H_
#define CRATE_RUNTIME_CONTAINER_CAPABILITY_SET_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace crate::container {

// Capability numbers, in order, without repeats. Names may omit "CAP_" and
// are case-insensitive ("net_admin"). `all` is what "everything" means
// (the host's bounding set, "CAP_*" names); empty means every capability
// runtime/oci knows, and names it does not know are left out.
absl::StatusOr<std::vector<int>> ContainerCapabilities(
    const std::vector<std::string>& cap_add,
    const std::vector<std::string>& cap_drop, bool privileged,
    const std::vector<std::string>& all);

}  // namespace crate::container

#endif  // CRATE_RUNTIME_CONTAINER_CAPABILITY_SET_H_
