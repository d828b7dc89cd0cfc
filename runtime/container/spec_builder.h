// The spec of a container made from an image, by docker's rules: what
// crated writes as the bundle's config.json. Pure: the caller reads the
// image's /etc/passwd and /etc/group, learns the host's facts, and makes
// the root file system and volumes; this decides everything else.
#ifndef CRATE_RUNTIME_CONTAINER_SPEC_BUILDER_H_
#define CRATE_RUNTIME_CONTAINER_SPEC_BUILDER_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "runtime/container/options.h"
#include "runtime/oci/spec.h"

namespace crate::container {

// Docker's defaults (its capability set, its seccomp profile, masked and
// read-only /proc and /sys paths, the standard mounts, new pid, ipc, uts,
// mount and network namespaces, no_new_privileges off) changed by
// `options`. `etc_passwd` and `etc_group` are the image's files (empty
// when it has none). Errors are kInvalidArgument and name the option
// ("--memory: ...", "--user: ..."); the result passes
// oci::ValidateForCreate.
absl::StatusOr<oci::Spec> BuildSpec(const ImageConfig& image,
                                    absl::string_view etc_passwd,
                                    absl::string_view etc_group,
                                    const Options& options);

}  // namespace crate::container

#endif  // CRATE_RUNTIME_CONTAINER_SPEC_BUILDER_H_
