#include "api/engine/prune_filter.h"

#include <cmath>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace crate::engine {
namespace {

// "KEY" holds when the label is there, "KEY=VALUE" when it has that value.
bool HasLabel(const std::map<std::string, std::string>& labels,
              const std::string& want) {
  size_t eq = want.find('=');
  auto it = labels.find(want.substr(0, eq));
  if (it == labels.end()) return false;
  return eq == std::string::npos || it->second == want.substr(eq + 1);
}

}  // namespace

bool PruneFilter::Matches(
    absl::Time created, const std::map<std::string, std::string>& have) const {
  if (until && created != absl::InfinitePast() && created >= *until) {
    return false;
  }
  for (const std::string& l : labels) {
    if (!HasLabel(have, l)) return false;
  }
  if (!not_labels.empty()) {
    bool all = true;
    for (const std::string& l : not_labels) all = all && HasLabel(have, l);
    if (all) return false;
  }
  return true;
}

absl::StatusOr<absl::Time> ParseFilterTime(absl::string_view text,
                                           absl::Time now) {
  absl::Duration d;
  if (absl::ParseDuration(text, &d) && text != "0") return now - d;
  double seconds = 0;
  if (absl::SimpleAtod(text, &seconds) && std::isfinite(seconds) &&
      text.find_first_not_of("0123456789.") == absl::string_view::npos) {
    return absl::FromUnixNanos(static_cast<int64_t>(seconds * 1e9));
  }
  absl::Time t;
  std::string err;
  for (const char* layout :
       {absl::RFC3339_full, "%Y-%m-%dT%H:%M:%E*S", "%Y-%m-%d"}) {
    if (absl::ParseTime(layout, text, absl::UTCTimeZone(), &t, &err)) {
      return t;
    }
  }
  return absl::InvalidArgumentError(
      absl::StrCat("until=", text,
                   ": not a time (RFC 3339, Unix seconds or a duration such "
                   "as 24h)"));
}

absl::StatusOr<PruneFilter> ParsePruneFilters(
    const std::vector<std::string>& filters, absl::Time now) {
  PruneFilter f;
  for (const std::string& raw : filters) {
    size_t eq = raw.find('=');
    std::string key = raw.substr(0, eq);
    std::string value = eq == std::string::npos ? "" : raw.substr(eq + 1);
    // "label!=x" splits as key "label!" only when read up to the first '='.
    if (key == "until" && !value.empty()) {
      absl::StatusOr<absl::Time> t = ParseFilterTime(value, now);
      if (!t.ok()) return t.status();
      f.until = *t;
    } else if (key == "label" && !value.empty()) {
      f.labels.push_back(value);
    } else if (key == "label!" && !value.empty()) {
      f.not_labels.push_back(value);
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("invalid filter \"", raw,
                       "\": prune takes until=TIME, label=KEY[=VALUE] and "
                       "label!=KEY[=VALUE]"));
    }
  }
  return f;
}

}  // namespace crate::engine
