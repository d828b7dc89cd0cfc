// docker's prune filters, for containers and images alike:
//
//   until=TIME             created before TIME: RFC 3339 ("2024-05-06",
//                          "2024-05-06T10:00:00Z"), Unix seconds
//                          ("1715000000.5") or a duration before now ("24h")
//   label=KEY[=VALUE]      has the label (every such filter must hold)
//   label!=KEY[=VALUE]     has not: skipped only when every label! filter
//                          holds, which is how docker reads several of them
#ifndef CRATE_API_ENGINE_PRUNE_FILTER_H_
#define CRATE_API_ENGINE_PRUNE_FILTER_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/optional.h"

namespace crate::engine {

struct PruneFilter {
  absl::optional<absl::Time> until;
  std::vector<std::string> labels;      // KEY or KEY=VALUE
  std::vector<std::string> not_labels;  // KEY or KEY=VALUE

  // Whether an object created at `created` (InfinitePast: unknown, which
  // counts as old) with `labels` may be pruned.
  bool Matches(absl::Time created,
               const std::map<std::string, std::string>& labels) const;
};

// Parses "key=value" filters; anything but until, label and label! is
// InvalidArgument naming it. Durations count back from `now`.
absl::StatusOr<PruneFilter> ParsePruneFilters(
    const std::vector<std::string>& filters, absl::Time now);

// A TIME of until= as docker reads it (see above).
absl::StatusOr<absl::Time> ParseFilterTime(absl::string_view text,
                                           absl::Time now);

}  // namespace crate::engine

#endif  // CRATE_API_ENGINE_PRUNE_FILTER_H_
