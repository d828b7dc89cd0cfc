#include "runtime/security/capabilities.h"

#include <errno.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "runtime/base/errno_status.h"
#include "runtime/base/file_util.h"
#include "runtime/base/status_macros.h"

// Older headers lack the ambient and capability-set prctls' newer options.
#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT 47
#define PR_CAP_AMBIENT_IS_SET 1
#define PR_CAP_AMBIENT_RAISE 2
#define PR_CAP_AMBIENT_LOWER 3
#define PR_CAP_AMBIENT_CLEAR_ALL 4
#endif

namespace crate {
namespace security {
namespace {

absl::Status CapsetError(int err, const Capabilities& caps) {
  return ::crate::ErrnoToStatus(
      err, absl::StrCat("capset effective=0x", absl::Hex(caps.effective),
                        " permitted=0x", absl::Hex(caps.permitted),
                        " inheritable=0x", absl::Hex(caps.inheritable),
                        " (permitted may only shrink; effective and "
                        "inheritable must be within it)"));
}

}  // namespace

absl::StatusOr<int> CapabilityFromName(absl::string_view name) {
  std::string upper = absl::AsciiStrToUpper(name);
  if (!absl::StartsWith(upper, "CAP_")) upper.insert(0, "CAP_");
  for (int i = 0; i <= kMaxKnownCapability; ++i) {
    if (upper == kCapabilityNames[i]) return i;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown capability '", name, "'"));
}

std::string CapabilityName(int cap) {
  if (cap >= 0 && cap <= kMaxKnownCapability) {
    return kCapabilityNames[cap];
  }
  return absl::StrCat("CAP_", cap);
}

std::vector<std::string> KnownCapabilityNames() {
  std::vector<std::string> out;
  for (int i = 0; i <= kMaxKnownCapability; ++i) {
    out.push_back(CapabilityName(i));
  }
  return out;
}

int LastCapability() {
  absl::StatusOr<std::string> s = ReadFile("/proc/sys/kernel/cap_last_cap");
  int n;
  if (s.ok() && absl::SimpleAtoi(absl::StripAsciiWhitespace(*s), &n) &&
      n >= 0 && n < 64) {
    return n;
  }
  return kMaxKnownCapability;
}

ParsedCapabilities ParseCapabilities(const CapabilityNames& names,
                                     int last_cap) {
  ParsedCapabilities out;
  auto parse = [&](const std::vector<std::string>& list, CapMask* mask) {
    for (const std::string& name : list) {
      absl::StatusOr<int> cap = CapabilityFromName(name);
      if (!cap.ok() || *cap > last_cap) {
        // Listed once, however many sets name it.
        bool seen = false;
        for (const std::string& i : out.ignored) seen |= (i == name);
        if (!seen) out.ignored.push_back(name);
        continue;
      }
      *mask |= CapBit(*cap);
    }
  };
  parse(names.bounding, &out.caps.bounding);
  parse(names.effective, &out.caps.effective);
  parse(names.inheritable, &out.caps.inheritable);
  parse(names.permitted, &out.caps.permitted);
  parse(names.ambient, &out.caps.ambient);
  return out;
}

std::vector<std::string> CapabilityNamesOf(CapMask mask) {
  std::vector<std::string> out;
  for (int i = 0; i < 64; ++i) {
    if (mask & CapBit(i)) out.push_back(CapabilityName(i));
  }
  return out;
}

absl::StatusOr<Capabilities> CurrentCapabilities() {
  struct __user_cap_header_struct header = {_LINUX_CAPABILITY_VERSION_3, 0};
  struct __user_cap_data_struct data[2] = {};
  if (syscall(SYS_capget, &header, data) != 0) return ErrnoStatus("capget");
  Capabilities caps;
  caps.effective = data[0].effective | (CapMask{data[1].effective} << 32);
  caps.permitted = data[0].permitted | (CapMask{data[1].permitted} << 32);
  caps.inheritable = data[0].inheritable | (CapMask{data[1].inheritable} << 32);
  int last = LastCapability();
  for (int i = 0; i <= last; ++i) {
    int b = prctl(PR_CAPBSET_READ, i, 0, 0, 0);
    if (b < 0) return ErrnoStatus("prctl PR_CAPBSET_READ", CapabilityName(i));
    if (b == 1) caps.bounding |= CapBit(i);
    int a = prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, i, 0, 0);
    if (a == 1) caps.ambient |= CapBit(i);
  }
  return caps;
}

absl::Status DropBoundingSet(CapMask keep) {
  int last = LastCapability();
  for (int i = 0; i <= last; ++i) {
    if (keep & CapBit(i)) continue;
    if (prctl(PR_CAPBSET_DROP, i, 0, 0, 0) != 0) {
      // EINVAL: the kernel does not know this capability; nothing to drop.
      if (errno == EINVAL) continue;
      return Annotate(ErrnoStatus("prctl PR_CAPBSET_DROP", CapabilityName(i)),
                      "drop from the bounding set (needs CAP_SETPCAP)");
    }
  }
  return absl::OkStatus();
}

absl::Status SetKeepCaps(bool keep) {
  if (prctl(PR_SET_KEEPCAPS, keep ? 1 : 0, 0, 0, 0) != 0) {
    return ErrnoStatus(absl::StrCat("prctl PR_SET_KEEPCAPS ", keep ? 1 : 0));
  }
  return absl::OkStatus();
}

absl::Status ApplyCapabilities(const Capabilities& caps) {
  RETURN_IF_ERROR(SetKeepCaps(false));
  struct __user_cap_header_struct header = {_LINUX_CAPABILITY_VERSION_3, 0};
  struct __user_cap_data_struct data[2] = {};
  for (int i = 0; i < 2; ++i) {
    data[i].effective = static_cast<uint32_t>(caps.effective >> (32 * i));
    data[i].permitted = static_cast<uint32_t>(caps.permitted >> (32 * i));
    data[i].inheritable = static_cast<uint32_t>(caps.inheritable >> (32 * i));
  }
  if (syscall(SYS_capset, &header, data) != 0) {
    return CapsetError(errno, caps);
  }
  // Ambient is cleared first so that only the configured set remains.
  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 &&
      errno != EINVAL) {
    return ErrnoStatus("prctl PR_CAP_AMBIENT_CLEAR_ALL");
  }
  for (int i = 0; i < 64; ++i) {
    if (!(caps.ambient & CapBit(i))) continue;
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, i, 0, 0) != 0) {
      return Annotate(
          ErrnoStatus("prctl PR_CAP_AMBIENT_RAISE", CapabilityName(i)),
          "an ambient capability must also be permitted and inheritable");
    }
  }
  return absl::OkStatus();
}

absl::Status ApplyCapabilitiesAroundUserChange(
    const Capabilities& caps,
    const std::function<absl::Status()>& change_user) {
  RETURN_IF_ERROR(DropBoundingSet(caps.bounding));
  RETURN_IF_ERROR(SetKeepCaps(true));
  if (change_user) RETURN_IF_ERROR(change_user());
  return ApplyCapabilities(caps);
}

}  // namespace security
}  // namespace crate
