// Linux capabilities by name and number, and applying the five sets of the
// runtime-spec (process.capabilities) to the calling process.
//
// Order in the container's init, which the launcher follows:
//   1. DropBoundingSet(caps.bounding)      while still privileged
//   2. SetKeepCaps(true)                   so permitted survives setuid
//   3. setgroups/setgid/setuid             (the launcher)
//   4. ApplyCapabilities(caps)             keepcaps off, capset, ambient
// ApplyCapabilitiesAroundUserChange does all four with the launcher's step 3
// as a callback.
#ifndef CRATE_RUNTIME_SECURITY_CAPABILITIES_H_
#define CRATE_RUNTIME_SECURITY_CAPABILITIES_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "runtime/security/names.h"

namespace crate {
namespace security {

// "CAP_SYS_ADMIN" -> 21. Case-insensitive; the CAP_ prefix is optional.
absl::StatusOr<int> CapabilityFromName(absl::string_view name);

// 21 -> "CAP_SYS_ADMIN"; numbers without a name give "CAP_<n>".
std::string CapabilityName(int cap);

// "CAP_CHOWN" .. "CAP_CHECKPOINT_RESTORE", in number order (for features).
std::vector<std::string> KnownCapabilityNames();

// The running kernel's highest capability (/proc/sys/kernel/cap_last_cap),
// or kMaxKnownCapability if that cannot be read.
int LastCapability();

// A set of capabilities as a bit mask (bit n = capability n).
using CapMask = uint64_t;

inline constexpr CapMask CapBit(int cap) { return CapMask{1} << cap; }

struct CapabilityNames {
  std::vector<std::string> bounding;
  std::vector<std::string> effective;
  std::vector<std::string> inheritable;
  std::vector<std::string> permitted;
  std::vector<std::string> ambient;
};

struct Capabilities {
  CapMask bounding = 0;
  CapMask effective = 0;
  CapMask inheritable = 0;
  CapMask permitted = 0;
  CapMask ambient = 0;
};

struct ParsedCapabilities {
  Capabilities caps;
  // Names that were skipped, like runc does, for the caller to warn about:
  // unknown names, and capabilities above the kernel's `last_cap`.
  std::vector<std::string> ignored;
};

// Names -> masks. Never fails on an unknown name: it is listed in `ignored`.
ParsedCapabilities ParseCapabilities(const CapabilityNames& names,
                                     int last_cap = LastCapability());

// Sorted "CAP_X" names of a mask.
std::vector<std::string> CapabilityNamesOf(CapMask mask);

// The calling thread's sets as the kernel reports them.
absl::StatusOr<Capabilities> CurrentCapabilities();

// PR_CAPBSET_DROP of every capability up to the kernel's last that is not
// in `keep` (needs CAP_SETPCAP).
absl::Status DropBoundingSet(CapMask keep);

// PR_SET_KEEPCAPS: whether permitted capabilities survive a change from
// uid 0 to another uid.
absl::Status SetKeepCaps(bool keep);

// After the user change: turns keepcaps off, sets effective, permitted and
// inheritable with capset(2), then raises the ambient set (which must be
// within permitted and inheritable). Errors name the capability.
absl::Status ApplyCapabilities(const Capabilities& caps);

// Steps 1-4 above, with `change_user` as step 3.
absl::Status ApplyCapabilitiesAroundUserChange(
    const Capabilities& caps, const std::function<absl::Status()>& change_user);

}  // namespace security
}  // namespace crate

#endif  // CRATE_RUNTIME_SECURITY_CAPABILITIES_H_
