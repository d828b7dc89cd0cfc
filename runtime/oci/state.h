// The OCI state of a container (what `state` prints), and its status names.
#ifndef CRATE_RUNTIME_OCI_STATE_H_
#define CRATE_RUNTIME_OCI_STATE_H_

#include <sys/types.h>

#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/optional.h"

namespace crate::oci {

enum class ContainerStatus { kCreating, kCreated, kRunning, kStopped, kPaused };

absl::string_view StatusName(ContainerStatus status);
absl::optional<ContainerStatus> StatusFromName(absl::string_view name);

struct State {
  std::string oci_version;
  std::string id;
  ContainerStatus status = ContainerStatus::kCreating;
  pid_t pid = 0;  // 0 when the container has no process.
  std::string bundle;
  std::map<std::string, std::string> annotations;
};

// The state as the runtime-spec defines it. `pid` is left out when 0.
std::string StateToJson(const State& state, bool pretty = true);
absl::StatusOr<State> ParseState(absl::string_view json);

// A container ID as runc accepts it: [A-Za-z0-9_.-]+, not "." or "..", so
// that it is always a plain directory name under --root.
absl::Status ValidateContainerId(absl::string_view id);

}  // namespace crate::oci

#endif  // CRATE_RUNTIME_OCI_STATE_H_
