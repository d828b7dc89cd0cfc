#include "api/engine/container_prune.h"

#include "api/engine/disk_usage.h"
#include "runtime/base/status_macros.h"

namespace crate::engine {

absl::StatusOr<ContainerPruneReport> PruneContainers(
    Engine& engine, const PruneFilter& filter) {
  ListOptions all;
  all.all = true;
  ASSIGN_OR_RETURN(std::vector<ContainerInfo> containers, engine.List(all));
  ContainerPruneReport report;
  for (const ContainerInfo& listed : containers) {
    if (listed.status != Status::kExited && listed.status != Status::kCreated) {
      continue;
    }
    if (!filter.Matches(listed.record.created, listed.record.labels)) continue;
    // The latest view: a created container may have started since the list.
    absl::StatusOr<ContainerInfo> now = engine.Inspect(listed.record.id);
    if (!now.ok() ||
        (now->status != Status::kExited && now->status != Status::kCreated)) {
      continue;
    }
    TreeUsage counter;
    absl::StatusOr<uint64_t> bytes = ContainerBytes(engine, *now, counter);
    if (!engine.Remove(now->record.id, now->status == Status::kCreated).ok()) {
      continue;  // started, or removed by someone else meanwhile
    }
    report.removed.push_back(now->record.id);
    if (bytes.ok()) report.reclaimed += *bytes;
  }
  return report;
}

}  // namespace crate::engine
