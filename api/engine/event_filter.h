// docker's `events --filter`: type=, event=, container=, image=, label=,
// volume=. Values of one key are alternatives; different keys must all
// match.
#ifndef CRATE_API_ENGINE_EVENT_FILTER_H_
#define CRATE_API_ENGINE_EVENT_FILTER_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "api/engine/event_journal.h"

namespace crate::engine {

struct EventFilter {
  std::map<std::string, std::vector<std::string>> values;  // key -> values
};

// "key=value" each; an unknown key, a missing '=' or an unknown type is
// kInvalidArgument naming it.
absl::StatusOr<EventFilter> ParseEventFilters(
    const std::vector<std::string>& filters);

bool MatchesEventFilter(const EventFilter& filter, const Event& event);

}  // namespace crate::engine

#endif  // CRATE_API_ENGINE_EVENT_FILTER_H_
