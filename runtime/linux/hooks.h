// OCI lifecycle hooks: each runs with the container's state JSON on stdin,
// its own args and env, and a timeout after which it is killed.
#ifndef CRATE_RUNTIME_LINUX_HOOKS_H_
#define CRATE_RUNTIME_LINUX_HOOKS_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "runtime/oci/spec.h"

namespace crate::linux {

// Runs the hooks in order; the first failure stops them. `kind` names them
// in errors ("createRuntime hook /usr/bin/x: exit status 1").
absl::Status RunHooks(const std::vector<oci::Hook>& hooks,
                      const std::string& state_json, const char* kind);

// Hooks as JSON (the spec's own form) to keep them in the state record.
std::string HooksToJson(const std::vector<oci::Hook>& hooks);
absl::StatusOr<std::vector<oci::Hook>> HooksFromJson(absl::string_view json);

}  // namespace crate::linux

#endif  // CRATE_RUNTIME_LINUX_HOOKS_H_
