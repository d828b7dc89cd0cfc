// Container and volume names: docker's rules, so that scripts written for
// docker name things the same way here, and docker-like random names for
// containers created without one.
#ifndef CRATE_API_ENGINE_NAMES_H_
#define CRATE_API_ENGINE_NAMES_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace crate::engine {

// A name is a file name in the store, so it is bounded by NAME_MAX.
inline constexpr size_t kMaxNameLength = 255;

// [a-zA-Z0-9][a-zA-Z0-9_.-]*; kInvalidArgument quoting the name otherwise.
absl::Status ValidateContainerName(absl::string_view name);

// [a-zA-Z0-9][a-zA-Z0-9_.-]+ (at least two characters, as docker's local
// driver wants); a name with a '/' gets a hint that it looks like a host
// path, which is a bind mount rather than a volume.
absl::Status ValidateVolumeName(absl::string_view name);

// "adjective_surname" as docker makes them. `attempt` > 0 appends a random
// digit, as docker does after a collision, so retries spread out.
absl::StatusOr<std::string> RandomContainerName(int attempt = 0);

}  // namespace crate::engine

#endif  // CRATE_API_ENGINE_NAMES_H_
