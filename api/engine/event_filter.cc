#include "api/engine/event_filter.h"

#include <algorithm>
#include <functional>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace crate::engine {
namespace {

const char* const kKeys[] = {"type",  "event", "container",
                             "image", "label", "volume"};
const char* const kTypes[] = {"container", "image", "volume"};

// "busybox:latest" -> "busybox"; "host:5000/x" keeps its port; digests and
// IDs are left alone.
std::string WithoutTag(const std::string& ref) {
  if (absl::StartsWith(ref, "sha256:")) return ref;
  size_t at = ref.find('@');
  if (at != std::string::npos) return ref.substr(0, at);
  size_t colon = ref.rfind(':');
  if (colon == std::string::npos || ref.find('/', colon) != std::string::npos) {
    return ref;
  }
  return ref.substr(0, colon);
}

bool AnyOf(const std::vector<std::string>& values,
           const std::function<bool(const std::string&)>& pred) {
  return std::any_of(values.begin(), values.end(), pred);
}

bool IdOrName(const Event& e, const std::string& v) {
  return (!v.empty() && absl::StartsWith(e.id, v)) || e.name == v;
}

bool ImageMatches(const Event& e, const std::string& v) {
  std::vector<std::string> candidates;
  if (e.type == "image") {
    candidates = {e.id, e.name};
  }
  auto image = e.attributes.find("image");
  if (image != e.attributes.end()) candidates.push_back(image->second);
  auto name = e.attributes.find("name");
  if (e.type == "image" && name != e.attributes.end()) {
    candidates.push_back(name->second);
  }
  for (const std::string& c : candidates) {
    if (c.empty()) continue;
    if (c == v || WithoutTag(c) == WithoutTag(v)) return true;
  }
  return false;
}

bool LabelMatches(const Event& e, const std::string& v) {
  size_t eq = v.find('=');
  auto it = e.attributes.find(v.substr(0, eq));
  if (it == e.attributes.end()) return false;
  return eq == std::string::npos || it->second == v.substr(eq + 1);
}

}  // namespace

absl::StatusOr<EventFilter> ParseEventFilters(
    const std::vector<std::string>& filters) {
  EventFilter f;
  for (const std::string& text : filters) {
    size_t eq = text.find('=');
    if (eq == std::string::npos || eq == 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "bad format of filter \"", text, "\" (expected name=value)"));
    }
    std::string key = text.substr(0, eq);
    std::string value = text.substr(eq + 1);
    if (std::find(std::begin(kKeys), std::end(kKeys), key) == std::end(kKeys)) {
      return absl::InvalidArgumentError(
          absl::StrCat("invalid filter \"", key, "\" (events filter on ",
                       absl::StrJoin(kKeys, ", "), ")"));
    }
    if (key == "type" && std::find(std::begin(kTypes), std::end(kTypes),
                                   value) == std::end(kTypes)) {
      return absl::InvalidArgumentError(
          absl::StrCat("invalid filter \"type=", value, "\" (types are ",
                       absl::StrJoin(kTypes, ", "), ")"));
    }
    if (value.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("filter \"", text, "\": no value"));
    }
    f.values[key].push_back(value);
  }
  return f;
}

bool MatchesEventFilter(const EventFilter& filter, const Event& e) {
  for (const auto& [key, values] : filter.values) {
    bool ok = false;
    if (key == "type") {
      ok = AnyOf(values, [&](const std::string& v) { return e.type == v; });
    } else if (key == "event") {
      ok = AnyOf(values, [&](const std::string& v) { return e.action == v; });
    } else if (key == "container") {
      ok = e.type == "container" &&
           AnyOf(values, [&](const std::string& v) { return IdOrName(e, v); });
    } else if (key == "volume") {
      ok = e.type == "volume" &&
           AnyOf(values, [&](const std::string& v) { return e.id == v; });
    } else if (key == "image") {
      ok = AnyOf(values,
                 [&](const std::string& v) { return ImageMatches(e, v); });
    } else if (key == "label") {
      ok = AnyOf(values,
                 [&](const std::string& v) { return LabelMatches(e, v); });
    }
    if (!ok) return false;
  }
  return true;
}

}  // namespace crate::engine
