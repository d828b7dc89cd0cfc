// Image names as docker shows them. The service normalises every name
// ("busybox" is docker.io/library/busybox:latest); tables and messages show
// the short form docker users know.
#ifndef CRATE_CLI_CRATE_IMAGE_NAMES_H_
#define CRATE_CLI_CRATE_IMAGE_NAMES_H_

#include <string>
#include <utility>

#include "absl/strings/string_view.h"

namespace crate::cli {

// "docker.io/library/busybox:latest" -> "busybox:latest";
// "docker.io/me/app:1" -> "me/app:1"; other registries unchanged.
std::string ShortImageName(absl::string_view name);

// "host:5000/a/b:tag" -> {"host:5000/a/b", "tag"}; no tag -> {name, ""}.
// A digest ("a@sha256:...") is kept with the repository.
std::pair<std::string, std::string> SplitRepoTag(absl::string_view name);

// Whether a reference names a tag or a digest ("busybox" does not).
bool HasTagOrDigest(absl::string_view reference);

// "busybox" -> "busybox:latest"; references with a tag or digest as they
// are.
std::string WithDefaultTag(absl::string_view reference);

// Whether `pattern` names `name` ("docker.io/library/busybox:latest" is
// named by "busybox", "busybox:latest" and itself), as docker's images
// REPOSITORY[:TAG] argument selects.
bool NameMatches(absl::string_view name, absl::string_view pattern);

// "sha256:0123456789abcdef..." -> "0123456789ab".
std::string ShortId(absl::string_view id);

// "busybox@sha256:abc" -> "sha256:abc"; "" when there is no digest.
std::string DigestPart(absl::string_view repo_digest);

}  // namespace crate::cli

#endif  // CRATE_CLI_CRATE_IMAGE_NAMES_H_
