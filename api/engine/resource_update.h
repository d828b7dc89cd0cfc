// docker update's rules: a change of a container's limits, checked against
// what its spec holds now, as the writes to make, the writes that undo
// them, and the spec's resources to save.
#ifndef CRATE_API_ENGINE_RESOURCE_UPDATE_H_
#define CRATE_API_ENGINE_RESOURCE_UPDATE_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/types/optional.h"
#include "runtime/oci/spec.h"

namespace crate::engine {

// Unset: unchanged.
struct ResourceUpdate {
  absl::optional<int64_t> memory;       // bytes, at least 6 MiB
  absl::optional<int64_t> memory_swap;  // memory + swap; -1: unlimited swap
  absl::optional<double> cpus;          // 0: no limit
  absl::optional<int64_t> cpu_shares;   // 2..262144
  absl::optional<int64_t> pids_limit;   // 0 or -1: unlimited
  bool empty() const {
    return !memory && !memory_swap && !cpus && !cpu_shares && !pids_limit;
  }
};

struct ResourceChange {
  oci::Resources apply;  // only the limits that change
  oci::Resources undo;   // the same limits as they were
  oci::Resources saved;  // the spec's linux.resources afterwards
};

// kInvalidArgument naming the flag for a value docker refuses (or the
// kernel would): a negative or tiny memory limit, swap below memory, more
// CPUs than `host_cpus`, shares or pids out of range, a memory limit above
// the swap limit already set.
absl::StatusOr<ResourceChange> PlanResourceUpdate(const oci::Resources& current,
                                                  const ResourceUpdate& update,
                                                  int host_cpus);

}  // namespace crate::engine

#endif  // CRATE_API_ENGINE_RESOURCE_UPDATE_H_
