// The container's seccomp filter in the spec's terms: docker's default
// profile (runtime/security's data), or a profile in docker's own format
// (--security-opt seccomp=<file>), read as dockerd reads it.
#ifndef CRATE_RUNTIME_CONTAINER_SECCOMP_PROFILE_H_
#define CRATE_RUNTIME_CONTAINER_SECCOMP_PROFILE_H_

#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "runtime/oci/spec.h"

namespace crate::container {

// Docker's default profile for a container with these capabilities (the
// syscalls a capability guards are allowed only with it).
oci::Seccomp DefaultSeccomp(const std::vector<int>& capabilities);

// A docker seccomp profile: the spec's linux.seccomp fields plus docker's
// "archMap" (the entry of this machine's architecture with its
// sub-architectures), "name" for a one-syscall "names", and per-rule
// "includes"/"excludes" conditions on capabilities (the container's
// bounding set), architectures (Go's names: "amd64", "arm64") and
// "minKernel" (against `kernel_release`, uname's; a profile that needs it
// when it is empty is refused). Errors are kInvalidArgument, name the
// profile's field, and start with "--security-opt seccomp".
absl::StatusOr<oci::Seccomp> ParseSeccompProfile(
    absl::string_view json, const std::vector<int>& capabilities,
    absl::string_view kernel_release);

}  // namespace crate::container

#endif  // CRATE_RUNTIME_CONTAINER_SECCOMP_PROFILE_H_
