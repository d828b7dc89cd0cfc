// Containers.Prune: removes the containers that are not running (exited,
// and created but never started, as docker's prune does), within docker's
// prune filters, and says what that freed.
#ifndef CRATE_API_ENGINE_CONTAINER_PRUNE_H_
#define CRATE_API_ENGINE_CONTAINER_PRUNE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "api/engine/engine.h"
#include "api/engine/prune_filter.h"

namespace crate::engine {

struct ContainerPruneReport {
  std::vector<std::string> removed;  // IDs
  uint64_t reclaimed = 0;  // their writable layers and logs (disk_usage.h)
};

// A container that starts, or is removed by someone else, while the prune
// runs is left alone. A created container is removed with force (its shim
// waits for a start); one started between the last look and the removal
// would be taken too, a window as narrow as Remove's own.
absl::StatusOr<ContainerPruneReport> PruneContainers(Engine& engine,
                                                     const PruneFilter& filter);

}  // namespace crate::engine

#endif  // CRATE_API_ENGINE_CONTAINER_PRUNE_H_
