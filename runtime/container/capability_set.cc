#include "runtime/container/capability_set.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "runtime/base/status_macros.h"
#include "runtime/oci/spec.h"
#include "runtime/security/defaults.h"

namespace crate::container {
namespace {

constexpr int kAll = -1;

void Add(std::vector<int>& caps, int cap) {
  if (std::find(caps.begin(), caps.end(), cap) == caps.end()) {
    caps.push_back(cap);
  }
}

bool Has(const std::vector<int>& caps, int cap) {
  return std::find(caps.begin(), caps.end(), cap) != caps.end();
}

// "net_admin", "CAP_NET_ADMIN" -> 12; "all" -> kAll.
absl::StatusOr<std::vector<int>> Normalize(
    absl::string_view option, const std::vector<std::string>& names) {
  std::vector<int> out;
  for (const std::string& name : names) {
    std::string upper = absl::AsciiStrToUpper(name);
    if (upper == "ALL") {
      Add(out, kAll);
      continue;
    }
    if (!absl::StartsWith(upper, "CAP_")) upper.insert(0, "CAP_");
    absl::optional<int> cap = oci::CapabilityFromName(upper);
    if (!cap) {
      return absl::InvalidArgumentError(
          absl::StrCat(option, ": unknown capability \"", name, "\""));
    }
    Add(out, *cap);
  }
  return out;
}

std::vector<int> Everything(const std::vector<std::string>& all) {
  std::vector<int> out;
  if (all.empty()) {
    for (int c = 0; c <= oci::LastCapability(); ++c) out.push_back(c);
    return out;
  }
  for (const std::string& name : all) {
    // A capability newer than this code has no number here to give.
    if (absl::optional<int> cap = oci::CapabilityFromName(name)) Add(out, *cap);
  }
  return out;
}

}  // namespace

absl::StatusOr<std::vector<int>> ContainerCapabilities(
    const std::vector<std::string>& cap_add,
    const std::vector<std::string>& cap_drop, bool privileged,
    const std::vector<std::string>& all) {
  if (privileged) return Everything(all);
  ASSIGN_OR_RETURN(std::vector<int> add, Normalize("--cap-add", cap_add));
  ASSIGN_OR_RETURN(std::vector<int> drop, Normalize("--cap-drop", cap_drop));
  std::vector<int> caps;
  if (Has(add, kAll)) {
    for (int c : Everything(all)) {
      if (!Has(drop, c)) caps.push_back(c);
    }
    return caps;
  }
  if (!Has(drop, kAll)) {
    for (const std::string& name : security::DefaultCapabilities()) {
      int c = *oci::CapabilityFromName(name);
      if (!Has(drop, c)) caps.push_back(c);
    }
  }
  for (int c : add) Add(caps, c);
  return caps;
}

}  // namespace crate::container
