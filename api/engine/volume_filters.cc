#include "api/engine/volume_filters.h"

#include <algorithm>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace crate::engine {
namespace {

absl::optional<bool> ParseBool(absl::string_view v) {
  std::string lower = absl::AsciiStrToLower(v);
  if (lower == "true" || lower == "1") return true;
  if (lower == "false" || lower == "0") return false;
  return absl::nullopt;
}

bool HasLabel(const VolumeRecord& v, const std::string& want) {
  std::pair<std::string, std::string> kv =
      absl::StrSplit(want, absl::MaxSplits('=', 1));
  auto it = v.labels.find(kv.first);
  if (it == v.labels.end()) return false;
  return want.find('=') == std::string::npos || it->second == kv.second;
}

}  // namespace

absl::StatusOr<VolumeFilters> ParseVolumeFilters(
    const std::vector<std::string>& filters, VolumeFilterUse use) {
  VolumeFilters out;
  const bool list = use == VolumeFilterUse::kList;
  for (const std::string& f : filters) {
    size_t eq = f.find('=');
    if (eq == std::string::npos || eq == 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "bad format of filter \"", f, "\" (expected name=value)"));
    }
    // label!=K[=V] splits at the first '=' as "label!" and "K[=V]".
    std::string key = f.substr(0, eq);
    std::string value = f.substr(eq + 1);
    if (key == "label") {
      out.labels.push_back(value);
    } else if (key == "label!" && !list) {
      out.not_labels.push_back(value);
    } else if (key == "dangling" && list) {
      out.dangling = ParseBool(value);
      if (!out.dangling) {
        return absl::InvalidArgumentError(absl::StrCat(
            "invalid filter 'dangling=", value, "': want true or false"));
      }
    } else if (key == "driver" && list) {
      out.drivers.push_back(value);
    } else if (key == "name" && list) {
      out.names.push_back(value);
    } else if (key == "all" && !list) {
      absl::optional<bool> all = ParseBool(value);
      if (!all) {
        return absl::InvalidArgumentError(absl::StrCat(
            "invalid filter 'all=", value, "': want true or false"));
      }
      out.all = *all;
    } else {
      return absl::InvalidArgumentError(absl::StrCat(
          "invalid filter '", key, "' for volume ", list ? "ls" : "prune",
          list ? " (dangling, driver, label, name)" : " (all, label, label!)"));
    }
  }
  return out;
}

bool VolumeMatches(const VolumeFilters& f, const VolumeRecord& v, bool in_use) {
  if (f.dangling && *f.dangling == in_use) return false;
  if (!f.drivers.empty() && std::find(f.drivers.begin(), f.drivers.end(),
                                      v.driver) == f.drivers.end()) {
    return false;
  }
  if (!f.names.empty() &&
      std::none_of(f.names.begin(), f.names.end(), [&](const std::string& n) {
        return absl::StrContains(v.name, n);
      })) {
    return false;
  }
  for (const std::string& l : f.labels) {
    if (!HasLabel(v, l)) return false;
  }
  for (const std::string& l : f.not_labels) {
    if (HasLabel(v, l)) return false;
  }
  return true;
}

}  // namespace crate::engine
