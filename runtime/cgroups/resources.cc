#include "runtime/cgroups/resources.h"

#include <cstdint>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "runtime/base/status_macros.h"

namespace crate {
namespace cgroups {
namespace {

absl::Status Invalid(absl::string_view field, absl::string_view value,
                     absl::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("linux.resources.", field, " = ", value, ": ", why));
}

// Fields where the spec allows -1 for "no limit" and nothing else negative.
absl::Status CheckLimit(absl::string_view field,
                        const absl::optional<int64_t>& v) {
  if (v.has_value() && *v < -1) {
    return Invalid(field, absl::StrCat(*v), "must be -1 (unlimited) or >= 0");
  }
  return absl::OkStatus();
}

absl::Status CheckNonNegative(absl::string_view field,
                              const absl::optional<int64_t>& v) {
  if (v.has_value() && *v < 0) {
    return Invalid(field, absl::StrCat(*v), "must not be negative");
  }
  return absl::OkStatus();
}

absl::Status CheckRange(absl::string_view field,
                        const absl::optional<int64_t>& v, int64_t lo,
                        int64_t hi, bool zero_means_unset) {
  if (!v.has_value() || (zero_means_unset && *v == 0)) return absl::OkStatus();
  if (*v < lo || *v > hi) {
    return Invalid(field, absl::StrCat(*v),
                   absl::StrCat("must be between ", lo, " and ", hi));
  }
  return absl::OkStatus();
}

absl::Status ValidateMemory(const MemoryResources& m) {
  RETURN_IF_ERROR(CheckLimit("memory.limit", m.limit));
  RETURN_IF_ERROR(CheckLimit("memory.reservation", m.reservation));
  RETURN_IF_ERROR(CheckLimit("memory.swap", m.swap));
  RETURN_IF_ERROR(CheckLimit("memory.kernel", m.kernel));
  RETURN_IF_ERROR(CheckLimit("memory.kernelTCP", m.kernel_tcp));
  RETURN_IF_ERROR(CheckRange("memory.swappiness", m.swappiness, 0, 100,
                             /*zero_means_unset=*/false));
  int64_t limit = m.limit.value_or(0);
  if (limit > 0 && m.reservation.value_or(0) > limit) {
    return Invalid("memory.reservation", absl::StrCat(*m.reservation),
                   absl::StrCat("above memory.limit ", limit));
  }
  if (m.swap.value_or(0) > 0) {
    if (limit > 0 && *m.swap < limit) {
      return Invalid("memory.swap", absl::StrCat(*m.swap),
                     absl::StrCat("below memory.limit ", limit,
                                  " (swap counts memory plus swap)"));
    }
    if (!m.limit.has_value() || limit == -1) {
      return Invalid("memory.swap", absl::StrCat(*m.swap),
                     "a swap limit needs a memory.limit");
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateCpu(const CpuResources& c) {
  // The kernel refuses shares below 2 and clamps above 262144; runc and crun
  // pass 0 through as "unset", so do the same.
  RETURN_IF_ERROR(CheckRange("cpu.shares", c.shares, 2, 262144,
                             /*zero_means_unset=*/true));
  RETURN_IF_ERROR(CheckLimit("cpu.quota", c.quota));
  RETURN_IF_ERROR(CheckNonNegative("cpu.period", c.period));
  RETURN_IF_ERROR(CheckNonNegative("cpu.realtimeRuntime", c.realtime_runtime));
  RETURN_IF_ERROR(CheckNonNegative("cpu.realtimePeriod", c.realtime_period));
  RETURN_IF_ERROR(CheckRange("cpu.idle", c.idle, 0, 1, false));
  if (c.quota.value_or(0) > 0 && c.period.has_value() && *c.period == 0) {
    return Invalid(
        "cpu.period", "0",
        absl::StrCat("a cpu.quota (", *c.quota, ") needs a non-zero period"));
  }
  // The kernel's bounds for cfs_period_us: 1ms..1s.
  if (c.period.value_or(0) != 0 && (*c.period < 1000 || *c.period > 1000000)) {
    return Invalid("cpu.period", absl::StrCat(*c.period),
                   "must be between 1000 and 1000000 microseconds");
  }
  if (c.quota.value_or(0) > 0 && *c.quota < 1000) {
    return Invalid("cpu.quota", absl::StrCat(*c.quota),
                   "must be at least 1000 microseconds or -1");
  }
  if (!c.cpus.empty()) {
    absl::Status s = ParseCpuList(c.cpus).status();
    if (!s.ok()) return Invalid("cpu.cpus", c.cpus, s.message());
  }
  if (!c.mems.empty()) {
    absl::Status s = ParseCpuList(c.mems).status();
    if (!s.ok()) return Invalid("cpu.mems", c.mems, s.message());
  }
  return absl::OkStatus();
}

absl::Status CheckDevice(absl::string_view field, int64_t major,
                         int64_t minor) {
  if (major < 0 || minor < 0) {
    return Invalid(field, absl::StrCat(major, ":", minor),
                   "device numbers must not be negative");
  }
  return absl::OkStatus();
}

absl::Status CheckThrottle(absl::string_view field,
                           const std::vector<ThrottleDevice>& devs) {
  for (const ThrottleDevice& d : devs) {
    RETURN_IF_ERROR(CheckDevice(field, d.major, d.minor));
    if (d.rate < 0) {
      return Invalid(field, absl::StrCat(d.major, ":", d.minor, " ", d.rate),
                     "rate must not be negative");
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateBlockIo(const BlockIoResources& b) {
  RETURN_IF_ERROR(CheckRange("blockIO.weight", b.weight, 10, 1000, true));
  RETURN_IF_ERROR(
      CheckRange("blockIO.leafWeight", b.leaf_weight, 10, 1000, true));
  for (const WeightDevice& d : b.weight_device) {
    RETURN_IF_ERROR(CheckDevice("blockIO.weightDevice", d.major, d.minor));
    RETURN_IF_ERROR(
        CheckRange("blockIO.weightDevice.weight", d.weight, 10, 1000, true));
    RETURN_IF_ERROR(CheckRange("blockIO.weightDevice.leafWeight", d.leaf_weight,
                               10, 1000, true));
  }
  RETURN_IF_ERROR(CheckThrottle("blockIO.throttleReadBpsDevice",
                                b.throttle_read_bps_device));
  RETURN_IF_ERROR(CheckThrottle("blockIO.throttleWriteBpsDevice",
                                b.throttle_write_bps_device));
  RETURN_IF_ERROR(CheckThrottle("blockIO.throttleReadIOPSDevice",
                                b.throttle_read_iops_device));
  RETURN_IF_ERROR(CheckThrottle("blockIO.throttleWriteIOPSDevice",
                                b.throttle_write_iops_device));
  return absl::OkStatus();
}

absl::Status ValidatePageSize(absl::string_view size) {
  // Kernel file names use "2MB", "1GB", "64KB".
  absl::string_view digits = size;
  if (size.size() < 3) {
    return Invalid("hugepageLimits.pageSize", size,
                   "expected a size like 2MB or 1GB");
  }
  absl::string_view unit = size.substr(size.size() - 2);
  digits.remove_suffix(2);
  uint64_t n;
  if ((unit != "KB" && unit != "MB" && unit != "GB") ||
      !absl::SimpleAtoi(digits, &n) || n == 0 ||
      digits.find_first_not_of("0123456789") != absl::string_view::npos) {
    return Invalid("hugepageLimits.pageSize", size,
                   "expected a size like 2MB or 1GB");
  }
  return absl::OkStatus();
}

absl::Status ValidateDevice(const DeviceRule& d) {
  if (d.type != "a" && d.type != "b" && d.type != "c") {
    return Invalid("devices.type", d.type, "must be a, b or c");
  }
  if (d.major.value_or(0) < -1 || d.minor.value_or(0) < -1) {
    return Invalid("devices.major/minor",
                   absl::StrCat(d.major.value_or(0), ":", d.minor.value_or(0)),
                   "must be -1 (any) or >= 0");
  }
  if (d.access.empty() ||
      d.access.find_first_not_of("rwm") != std::string::npos) {
    return Invalid("devices.access", d.access, "must be a subset of rwm");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<int> ParseCpuList(absl::string_view list) {
  int highest = -1;
  std::string stripped(absl::StripAsciiWhitespace(list));
  if (stripped.empty()) {
    return absl::InvalidArgumentError("empty cpu list");
  }
  for (absl::string_view part : absl::StrSplit(stripped, ',')) {
    std::pair<absl::string_view, absl::string_view> range =
        absl::StrSplit(part, absl::MaxSplits('-', 1));
    auto number = [&](absl::string_view s) -> absl::StatusOr<int> {
      int n;
      if (s.empty() ||
          s.find_first_not_of("0123456789") != absl::string_view::npos ||
          !absl::SimpleAtoi(s, &n)) {
        return absl::InvalidArgumentError(absl::StrCat(
            "bad element '", part, "' (expected N or N-M, comma separated)"));
      }
      return n;
    };
    ASSIGN_OR_RETURN(int lo, number(range.first));
    int hi = lo;
    if (part.find('-') != absl::string_view::npos) {
      ASSIGN_OR_RETURN(hi, number(range.second));
      if (hi < lo) {
        return absl::InvalidArgumentError(
            absl::StrCat("range '", part, "' ends before it starts"));
      }
    }
    if (hi > highest) highest = hi;
  }
  return highest;
}

uint64_t SharesToWeight(uint64_t shares) {
  if (shares == 0) return 0;
  if (shares < 2) shares = 2;
  if (shares > 262144) shares = 262144;
  return 1 + ((shares - 2) * 9999) / 262142;
}

uint64_t BlkioWeightToIoWeight(uint64_t weight) {
  if (weight == 0) return 0;
  return 1 + (weight - 10) * 9999 / 990;
}

absl::Status ValidateResources(const Resources& r) {
  if (r.memory) RETURN_IF_ERROR(ValidateMemory(*r.memory));
  if (r.cpu) RETURN_IF_ERROR(ValidateCpu(*r.cpu));
  if (r.block_io) RETURN_IF_ERROR(ValidateBlockIo(*r.block_io));
  for (const HugepageLimit& h : r.hugepage_limits) {
    RETURN_IF_ERROR(ValidatePageSize(h.page_size));
    if (h.limit < 0) {
      return Invalid(absl::StrCat("hugepageLimits[", h.page_size, "].limit"),
                     absl::StrCat(h.limit), "must not be negative");
    }
  }
  for (const DeviceRule& d : r.devices) RETURN_IF_ERROR(ValidateDevice(d));
  for (const auto& [name, limit] : r.rdma) {
    if (name.empty() || name.find_first_of(" /\n") != std::string::npos) {
      return Invalid("rdma", name, "bad device name");
    }
    RETURN_IF_ERROR(CheckNonNegative(absl::StrCat("rdma.", name, ".hcaHandles"),
                                     limit.hca_handles));
    RETURN_IF_ERROR(CheckNonNegative(absl::StrCat("rdma.", name, ".hcaObjects"),
                                     limit.hca_objects));
  }
  if (r.network) {
    RETURN_IF_ERROR(CheckNonNegative("network.classID", r.network->class_id));
    for (const auto& [iface, prio] : r.network->priorities) {
      if (prio < 0) {
        return Invalid(absl::StrCat("network.priorities.", iface),
                       absl::StrCat(prio), "must not be negative");
      }
    }
  }
  for (const auto& [file, value] : r.unified) {
    // A file name only: a path would let a config write outside the cgroup.
    if (file.empty() || file.find('/') != std::string::npos || file == "." ||
        file == "..") {
      return Invalid("unified", file, "not a cgroup file name");
    }
    if (file == "cgroup.procs" || file == "cgroup.threads" ||
        file == "cgroup.subtree_control" || file == "cgroup.kill" ||
        file == "cgroup.freeze") {
      return Invalid(absl::StrCat("unified.", file), value,
                     "managed by the runtime, not settable here");
    }
  }
  return absl::OkStatus();
}

}  // namespace cgroups
}  // namespace crate
