// docker's filters for `volume ls` (dangling=, driver=, label=, name=) and
// `volume prune` (all=, label=, label!=), parsed once and checked against
// each volume. Pure: the engine supplies whether a volume is in use.
#ifndef CRATE_API_ENGINE_VOLUME_FILTERS_H_
#define CRATE_API_ENGINE_VOLUME_FILTERS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/optional.h"
#include "api/engine/volume_record.h"

namespace crate::engine {

struct VolumeFilters {
  absl::optional<bool> dangling;  // true: used by no container
  std::vector<std::string> drivers;
  std::vector<std::string> names;       // substrings, any of them
  std::vector<std::string> labels;      // "K" or "K=V", all of them
  std::vector<std::string> not_labels;  // label!=: none of them
  bool all = false;                     // prune: named volumes too
};

enum class VolumeFilterUse { kList, kPrune };

// "key=value" each; kInvalidArgument names a filter the use does not
// take or a value that is not one ("dangling=maybe").
absl::StatusOr<VolumeFilters> ParseVolumeFilters(
    const std::vector<std::string>& filters, VolumeFilterUse use);

bool VolumeMatches(const VolumeFilters& filters, const VolumeRecord& volume,
                   bool in_use);

}  // namespace crate::engine

#endif  // CRATE_API_ENGINE_VOLUME_FILTERS_H_
