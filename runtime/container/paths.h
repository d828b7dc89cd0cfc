// Container paths as docker compares them: lexically cleaned, so that
// "/data/", "/data/." and "//data" are one mount point.
#ifndef CRATE_RUNTIME_CONTAINER_PATHS_H_
#define CRATE_RUNTIME_CONTAINER_PATHS_H_

#include <string>

#include "absl/strings/string_view.h"

namespace crate::container {

// Go's path.Clean for an absolute path: repeated slashes, "." and ".."
// resolved by name only; ".." above the root stays at the root. The result
// starts with "/" and has no trailing slash (except "/" itself).
std::string CleanAbsolutePath(absl::string_view path);

// How many components a clean path has ("/" 0, "/a/b" 2): mounts are made
// parents first.
int PathDepth(absl::string_view clean_path);

}  // namespace crate::container

#endif  // CRATE_RUNTIME_CONTAINER_PATHS_H_
