// Deciding apart from doing: a Plan is the list of cgroupfs writes that
// applying some Resources amounts to, computed without touching the file
// system, so that every conversion can be checked in a unit test. The
// executor then performs the writes under a root directory.
#ifndef CRATE_RUNTIME_CGROUPS_PLAN_H_
#define CRATE_RUNTIME_CGROUPS_PLAN_H_

#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "runtime/cgroups/resources.h"

namespace crate {
namespace cgroups {

struct Write {
  // Directory relative to the driver's root ("memory/crate/abc" for v1,
  // "crate/abc" for v2), the file in it and the value to write.
  std::string path;
  std::string file;
  std::string value;
  // The spec field this write comes from, for error messages.
  std::string field;
  // Used when `file` does not exist (blkio.weight vs blkio.bfq.weight).
  std::string fallback_file;
  std::string fallback_value;
  // Message for when neither file exists; empty: the open error as is.
  std::string if_missing;
  // Skipped without error when the file is missing.
  bool optional = false;
  // Limits that depend on each other (memory vs memsw, cfs period vs quota)
  // can only be set in an order that depends on the current values; a write
  // marked so is retried once after the rest of the plan if it fails.
  bool retry_later = false;

  bool operator==(const Write& o) const {
    return path == o.path && file == o.file && value == o.value;
  }
};

using Plan = std::vector<Write>;

// Where a v1 driver finds things.
struct V1Layout {
  // The cgroup's path below each hierarchy root, without a leading '/'.
  std::string path;
  // Hybrid mode: controllers that live in the cgroup2 hierarchy mounted at
  // "unified" (hugetlb on this kind of host) rather than in v1.
  std::set<std::string> unified_controllers;
  // A cgroup2 hierarchy is mounted at "unified" beside the v1 controllers;
  // linux.resources.unified goes there.
  bool hybrid = false;
};

// The writes for a v1 hierarchy; resources must have been validated.
absl::StatusOr<Plan> PlanV1(const Resources& resources, const V1Layout& layout);

// The writes for a cgroup2 hierarchy at `path` below the root.
absl::StatusOr<Plan> PlanV2(const Resources& resources,
                            const std::string& path);

// Performs the writes below `root`, stopping at the first error, which names
// the field, the file and the value.
absl::Status ExecutePlan(const std::string& root, const Plan& plan);

// "memory/crate/abc memory.limit_in_bytes=1048576\n..." for logs and tests.
std::string PlanToString(const Plan& plan);

}  // namespace cgroups
}  // namespace crate

#endif  // CRATE_RUNTIME_CGROUPS_PLAN_H_
