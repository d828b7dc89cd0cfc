#include "runtime/cgroups/systemd/scope_plan.h"

#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace crate {
namespace cgroups {
namespace systemd {
namespace {

constexpr uint64_t kInfinity = std::numeric_limits<uint64_t>::max();
constexpr uint64_t kDefaultPeriod = 100000;  // The kernel's, v1 and v2.

// systemd's unit_name_is_valid: [A-Za-z0-9:_.\\-] (and '@' for templates,
// which a transient scope cannot be), at most 255 bytes.
bool ValidUnitChars(absl::string_view name) {
  if (name.empty() || name.size() > 255) return false;
  for (char c : name) {
    if (!absl::ascii_isalnum(c) && c != ':' && c != '_' && c != '.' &&
        c != '-' && c != '\\') {
      return false;
    }
  }
  return true;
}

// A limit where -1 is the spec's "unlimited".
uint64_t Limit(int64_t v) { return v < 0 ? kInfinity : uint64_t(v); }

void Add(std::vector<Property>* ps, std::string name, Value v) {
  ps->push_back(Property{std::move(name), std::move(v)});
}

// systemd names a device for DeviceAllow by path ("/dev/char/1:3", parsed,
// not stat'ed) or by driver ("char-pts", "char-*" for any).
std::string DeviceName(const DeviceRule& r, const PlanInput& in) {
  if (r.type != "c" && r.type != "b") return "";
  const bool chr = r.type == "c";
  const char* kind = chr ? "char" : "block";
  if (!r.major.has_value()) {
    return r.minor.has_value() ? "" : absl::StrCat(kind, "-*");
  }
  if (!r.minor.has_value()) {
    const auto& names = chr ? in.char_majors : in.block_majors;
    auto it = names.find(*r.major);
    if (it == names.end()) return "";
    return absl::StrCat(kind, "-", it->second);
  }
  return absl::StrCat("/dev/", kind, "/", *r.major, ":", *r.minor);
}

// DevicePolicy/DeviceAllow for the rule list as runc builds it: systemd
// can say "only these" (strict) but not "all but these"; a list it cannot
// say becomes "auto" (no restriction from systemd), and crate's own filter,
// which gets the rules too, does the restricting.
void PlanDevices(const std::vector<DeviceRule>& rules, const PlanInput& in,
                 std::vector<Property>* ps) {
  bool default_allow = true;
  bool expressible = true;
  std::vector<std::pair<std::string, std::string>> allow;
  for (const DeviceRule& r : rules) {
    if (r.type == "a" && !r.major.has_value() && !r.minor.has_value()) {
      default_allow = r.allow;
      allow.clear();
      continue;
    }
    if (default_allow) {
      if (!r.allow) expressible = false;
      continue;
    }
    std::string name = DeviceName(r, in);
    if (name.empty()) {
      // Allowed by the rules but unnamable for systemd: strict would deny.
      if (r.allow) expressible = false;
      continue;
    }
    if (r.allow) {
      allow.emplace_back(std::move(name), r.access);
      continue;
    }
    for (auto it = allow.begin(); it != allow.end();) {
      if (it->first != name) {
        ++it;
      } else if (it->second == r.access ||
                 absl::StrContains(r.access, "r") +
                         absl::StrContains(r.access, "w") +
                         absl::StrContains(r.access, "m") ==
                     3) {
        it = allow.erase(it);
      } else {
        expressible = false;
        ++it;
      }
    }
  }
  if (default_allow || !expressible) {
    Add(ps, "DevicePolicy", Value::String("auto"));
    Add(ps, "DeviceAllow", Value::StringPairs({}));
    return;
  }
  Add(ps, "DevicePolicy", Value::String("strict"));
  Add(ps, "DeviceAllow", Value::StringPairs(std::move(allow)));
}

void PlanCpu(const CpuResources& c, const PlanInput& in, ResourcePlan* out) {
  std::vector<Property>* ps = &out->properties;
  CpuResources& left = *out->leftovers.cpu;
  if (c.shares.value_or(0) != 0) {
    if (in.v2) {
      Add(ps, "CPUWeight", Value::Uint64(SharesToWeight(*c.shares)));
    } else {
      Add(ps, "CPUShares", Value::Uint64(*c.shares));
    }
    left.shares.reset();
  }
  const int64_t quota = c.quota.value_or(0);
  const int64_t period = c.period.value_or(0);
  if (quota != 0 || period != 0) {
    const bool period_ok = period == 0 || in.systemd_version >= 242;
    if (period != 0 && period_ok) {
      Add(ps, "CPUQuotaPeriodUSec", Value::Uint64(period));
    }
    bool exact = true;
    uint64_t per_sec = QuotaPerSecUSec(
        quota, period > 0 ? uint64_t(period) : kDefaultPeriod, &exact);
    Add(ps, "CPUQuotaPerSecUSec", Value::Uint64(per_sec));
    // A period systemd cannot take, or a quota it rounds, still reaches
    // the kernel exactly through cgroupfs.
    if (period_ok && exact) {
      left.quota.reset();
      left.period.reset();
    }
  }
}

bool EmptyCpu(const CpuResources& c) {
  return !c.shares && !c.quota && !c.period && !c.realtime_runtime &&
         !c.realtime_period && c.cpus.empty() && c.mems.empty() && !c.idle;
}

bool EmptyMemory(const MemoryResources& m) {
  return !m.limit && !m.reservation && !m.swap && !m.kernel && !m.kernel_tcp &&
         !m.swappiness && !m.disable_oom_killer;
}

bool EmptyBlockIo(const BlockIoResources& b) {
  return !b.weight && !b.leaf_weight && b.weight_device.empty() &&
         b.throttle_read_bps_device.empty() &&
         b.throttle_write_bps_device.empty() &&
         b.throttle_read_iops_device.empty() &&
         b.throttle_write_iops_device.empty();
}

// linux.resources.unified keys systemd has a property for (runc's list).
absl::Status PlanUnified(const std::map<std::string, std::string>& unified,
                         ResourcePlan* out) {
  static const std::pair<const char*, const char*> kMemory[] = {
      {"memory.high", "MemoryHigh"},        {"memory.low", "MemoryLow"},
      {"memory.min", "MemoryMin"},          {"memory.max", "MemoryMax"},
      {"memory.swap.max", "MemorySwapMax"},
  };
  for (const auto& [key, raw] : unified) {
    absl::string_view v = absl::StripAsciiWhitespace(raw);
    const char* prop = nullptr;
    for (const auto& [file, name] : kMemory) {
      if (key == file) prop = name;
    }
    if (key == "pids.max") prop = "TasksMax";
    if (key == "cpu.weight") prop = "CPUWeight";
    if (prop == nullptr) continue;
    uint64_t n = kInfinity;
    if (v != "max" || key == "cpu.weight") {
      if (!absl::SimpleAtoi(v, &n)) {
        return absl::InvalidArgumentError(absl::StrCat(
            "linux.resources.unified.", key, ": \"", raw, "\" is not a number",
            key == "cpu.weight" ? "" : " or max"));
      }
    }
    Add(&out->properties, prop, Value::Uint64(n));
    out->leftovers.unified.erase(key);
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<UnitName> ParseCgroupsPath(absl::string_view cgroups_path,
                                          absl::string_view id, bool rootless) {
  const std::string default_slice = rootless ? "user.slice" : "system.slice";
  UnitName out;
  if (cgroups_path.empty()) {
    out.slice = default_slice;
    out.unit = absl::StrCat("crate-", id, ".scope");
  } else {
    std::vector<absl::string_view> parts = absl::StrSplit(cgroups_path, ':');
    if (parts.size() != 3) {
      return absl::InvalidArgumentError(absl::StrCat(
          "linux.cgroupsPath: expected \"slice:prefix:name\" for systemd "
          "cgroups, got \"",
          cgroups_path, "\""));
    }
    if (parts[2].empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "linux.cgroupsPath \"", cgroups_path, "\": the name is empty"));
    }
    if (absl::EndsWith(parts[2], ".slice")) {
      return absl::UnimplementedError(absl::StrCat(
          "linux.cgroupsPath \"", cgroups_path,
          "\": a slice as the container's own unit is not supported; name "
          "a scope"));
    }
    out.slice = parts[0].empty() ? default_slice : std::string(parts[0]);
    out.unit = parts[1].empty()
                   ? absl::StrCat(parts[2], ".scope")
                   : absl::StrCat(parts[1], "-", parts[2], ".scope");
  }
  if (!ValidUnitChars(out.unit)) {
    return absl::InvalidArgumentError(
        absl::StrCat("linux.cgroupsPath \"", cgroups_path, "\": \"", out.unit,
                     "\" is not a valid systemd unit name"));
  }
  return out;
}

absl::StatusOr<std::string> ExpandSlice(absl::string_view slice) {
  constexpr absl::string_view kSuffix = ".slice";
  auto invalid = [&] {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid slice name \"", slice, "\""));
  };
  absl::string_view name = slice;
  if (!absl::ConsumeSuffix(&name, kSuffix) || name.empty() ||
      absl::StrContains(slice, '/') || !ValidUnitChars(slice)) {
    return invalid();
  }
  if (name == "-") return std::string();
  std::string path, prefix;
  for (absl::string_view part : absl::StrSplit(name, '-')) {
    if (part.empty()) return invalid();
    if (!path.empty()) path += '/';
    absl::StrAppend(&path, prefix, part, kSuffix);
    absl::StrAppend(&prefix, part, "-");
  }
  return path;
}

absl::StatusOr<std::vector<uint8_t>> CpuListToBits(absl::string_view list) {
  std::vector<uint8_t> bits;
  auto invalid = [&](absl::string_view why) {
    return absl::InvalidArgumentError(
        absl::StrCat("cpu list \"", list, "\": ", why));
  };
  for (absl::string_view part :
       absl::StrSplit(absl::StripAsciiWhitespace(list), ',')) {
    part = absl::StripAsciiWhitespace(part);
    if (part.empty()) return invalid("empty element");
    std::pair<absl::string_view, absl::string_view> range =
        absl::StrSplit(part, absl::MaxSplits('-', 1));
    uint32_t lo, hi;
    if (!absl::SimpleAtoi(range.first, &lo)) return invalid("not a number");
    hi = lo;
    if (part.find('-') != absl::string_view::npos &&
        !absl::SimpleAtoi(range.second, &hi)) {
      return invalid("not a number");
    }
    if (hi < lo) return invalid("range goes down");
    if (hi >= (1u << 20)) return invalid("number too large");
    if (bits.size() < hi / 8 + 1) bits.resize(hi / 8 + 1, 0);
    for (uint32_t i = lo; i <= hi; ++i) bits[i / 8] |= uint8_t(1u << (i % 8));
  }
  return bits;
}

uint64_t QuotaPerSecUSec(int64_t quota, uint64_t period, bool* exact) {
  *exact = true;
  if (quota <= 0) return kInfinity;
  if (period == 0) period = kDefaultPeriod;
  uint64_t per_sec = uint64_t(quota) * 1000000 / period;
  if (per_sec % 10000 != 0 || uint64_t(quota) * 1000000 % period != 0) {
    per_sec = (per_sec / 10000 + 1) * 10000;
    *exact = false;
  }
  return per_sec;
}

absl::StatusOr<ResourcePlan> PlanResources(const Resources& r,
                                           const PlanInput& in) {
  ResourcePlan out;
  out.leftovers = r;
  std::vector<Property>* ps = &out.properties;
  if (r.memory) {
    const MemoryResources& m = *r.memory;
    MemoryResources& left = *out.leftovers.memory;
    const int64_t limit = m.limit.value_or(0);
    if (limit != 0) {
      Add(ps, in.v2 ? "MemoryMax" : "MemoryLimit", Value::Uint64(Limit(limit)));
      left.limit.reset();
    }
    if (in.v2 && m.reservation.value_or(0) != 0) {
      Add(ps, "MemoryLow", Value::Uint64(Limit(*m.reservation)));
      left.reservation.reset();
    }
    // The spec's swap counts memory too; MemorySwapMax is swap alone.
    const int64_t swap = m.swap.value_or(0);
    if (in.v2 && swap == -1) {
      Add(ps, "MemorySwapMax", Value::Uint64(kInfinity));
      left.swap.reset();
    } else if (in.v2 && swap > 0 && limit > 0) {
      if (swap < limit) {
        return absl::InvalidArgumentError(
            absl::StrCat("linux.resources.memory.swap ", swap,
                         " is below linux.resources.memory.limit ", limit));
      }
      Add(ps, "MemorySwapMax", Value::Uint64(uint64_t(swap - limit)));
      left.swap.reset();
    }
    if (EmptyMemory(left)) out.leftovers.memory.reset();
  }
  if (r.cpu) {
    PlanCpu(*r.cpu, in, &out);
    CpuResources& left = *out.leftovers.cpu;
    if (in.systemd_version >= 244) {
      if (!r.cpu->cpus.empty()) {
        absl::StatusOr<std::vector<uint8_t>> bits = CpuListToBits(r.cpu->cpus);
        if (!bits.ok()) {
          return absl::InvalidArgumentError(absl::StrCat(
              "linux.resources.cpu.cpus: ", bits.status().message()));
        }
        Add(ps, "AllowedCPUs", Value::Bytes(*std::move(bits)));
        left.cpus.clear();
      }
      if (!r.cpu->mems.empty()) {
        absl::StatusOr<std::vector<uint8_t>> bits = CpuListToBits(r.cpu->mems);
        if (!bits.ok()) {
          return absl::InvalidArgumentError(absl::StrCat(
              "linux.resources.cpu.mems: ", bits.status().message()));
        }
        Add(ps, "AllowedMemoryNodes", Value::Bytes(*std::move(bits)));
        left.mems.clear();
      }
    }
    if (EmptyCpu(left)) out.leftovers.cpu.reset();
  }
  if (r.pids && r.pids->limit != 0) {
    Add(ps, "TasksMax", Value::Uint64(Limit(r.pids->limit)));
    out.leftovers.pids.reset();
  }
  if (r.block_io && r.block_io->weight.value_or(0) != 0) {
    if (in.v2) {
      Add(ps, "IOWeight",
          Value::Uint64(BlkioWeightToIoWeight(*r.block_io->weight)));
    } else {
      Add(ps, "BlockIOWeight", Value::Uint64(*r.block_io->weight));
    }
    out.leftovers.block_io->weight.reset();
    if (EmptyBlockIo(*out.leftovers.block_io)) out.leftovers.block_io.reset();
  }
  if (!r.devices.empty()) PlanDevices(r.devices, in, ps);
  if (in.v2) {
    absl::Status s = PlanUnified(r.unified, &out);
    if (!s.ok()) return s;
  }
  return out;
}

absl::StatusOr<std::vector<Property>> AnnotationProperties(
    const std::map<std::string, std::string>& annotations) {
  constexpr absl::string_view kPrefix = "org.systemd.property.";
  std::vector<Property> out;
  for (const auto& [key, raw] : annotations) {
    absl::string_view name = key;
    if (!absl::ConsumePrefix(&name, kPrefix)) continue;
    absl::string_view v = absl::StripAsciiWhitespace(raw);
    auto bad = [&](absl::string_view why) {
      return absl::InvalidArgumentError(absl::StrCat(
          "annotations.\"", key, "\": ", why, " (value \"", raw, "\")"));
    };
    if (name.empty() || !ValidUnitChars(name) ||
        name.find_first_of(".:\\-") != absl::string_view::npos) {
      return bad("not a systemd property name");
    }
    if (absl::EndsWith(name, "Sec") && !absl::EndsWith(name, "USec")) {
      double seconds;
      if (!absl::SimpleAtod(v, &seconds) || seconds < 0 || seconds > 1e12) {
        return bad("a *Sec property takes a number of seconds");
      }
      Add(&out, absl::StrCat(name.substr(0, name.size() - 3), "USec"),
          Value::Uint64(uint64_t(seconds * 1e6 + 0.5)));
      continue;
    }
    if (v == "true" || v == "false") {
      Add(&out, std::string(name), Value::Bool(v == "true"));
      continue;
    }
    if (v.size() >= 2 && (v.front() == '\'' || v.front() == '"') &&
        v.back() == v.front()) {
      Add(&out, std::string(name),
          Value::String(std::string(v.substr(1, v.size() - 2))));
      continue;
    }
    std::pair<absl::string_view, absl::string_view> typed =
        absl::StrSplit(v, absl::MaxSplits(' ', 1));
    absl::string_view number = typed.second.empty() ? v : typed.second;
    absl::string_view type = typed.second.empty() ? "int32" : typed.first;
    number = absl::StripAsciiWhitespace(number);
    uint64_t u;
    int64_t i;
    if (type == "uint64" && absl::SimpleAtoi(number, &u)) {
      Add(&out, std::string(name), Value::Uint64(u));
    } else if (type == "int64" && absl::SimpleAtoi(number, &i)) {
      Add(&out, std::string(name), Value::Int64(i));
    } else if (type == "uint32" && absl::SimpleAtoi(number, &u) &&
               u <= 0xffffffffu) {
      Add(&out, std::string(name), Value::Uint32(uint32_t(u)));
    } else if (type == "int32" && absl::SimpleAtoi(number, &i) &&
               i >= INT32_MIN && i <= INT32_MAX) {
      Add(&out, std::string(name), Value::Int32(int32_t(i)));
    } else {
      return bad(
          "not a value crate understands: true/false, 'string', or "
          "uint64/int64/uint32/int32 N");
    }
  }
  return out;
}

absl::StatusOr<ScopePlan> PlanScope(const ScopeRequest& req) {
  ScopePlan out;
  absl::StatusOr<UnitName> name =
      ParseCgroupsPath(req.cgroups_path, req.id, req.rootless);
  if (!name.ok()) return name.status();
  out.name = *std::move(name);
  absl::StatusOr<std::string> slice_dir = ExpandSlice(out.name.slice);
  if (!slice_dir.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("linux.cgroupsPath \"", req.cgroups_path,
                     "\": ", slice_dir.status().message()));
  }
  out.cgroup_path = slice_dir->empty()
                        ? out.name.unit
                        : absl::StrCat(*slice_dir, "/", out.name.unit);
  if (req.pid <= 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "systemd scope ", out.name.unit, ": no process to put in it"));
  }
  std::vector<Property>* ps = &out.properties;
  Add(ps, "Description",
      Value::String(absl::StrCat("crate container ", req.id)));
  Add(ps, "Slice", Value::String(out.name.slice));
  Add(ps, "PIDs", Value::Uint32Array({uint32_t(req.pid)}));
  // The container's own processes may make sub-cgroups (a systemd inside,
  // a nested runtime); systemd leaves a delegated subtree alone.
  Add(ps, "Delegate", Value::Bool(true));
  // Accounting on, so the controllers are enabled for the scope and the
  // cgroupfs leftovers have files to go to (runc does the same).
  Add(ps, "MemoryAccounting", Value::Bool(true));
  Add(ps, "CPUAccounting", Value::Bool(true));
  Add(ps, req.input.v2 ? "IOAccounting" : "BlockIOAccounting",
      Value::Bool(true));
  Add(ps, "TasksAccounting", Value::Bool(true));
  // No ordering against shutdown.target and co: a container is stopped by
  // its runtime, and a scope needs no start-up ordering.
  Add(ps, "DefaultDependencies", Value::Bool(false));
  if (req.resources != nullptr) {
    absl::StatusOr<ResourcePlan> res = PlanResources(*req.resources, req.input);
    if (!res.ok()) return res.status();
    for (Property& p : res->properties) ps->push_back(std::move(p));
    out.leftovers = std::move(res->leftovers);
  }
  absl::StatusOr<std::vector<Property>> extra =
      AnnotationProperties(req.annotations);
  if (!extra.ok()) return extra.status();
  for (Property& p : *extra) ps->push_back(std::move(p));
  return out;
}

}  // namespace systemd
}  // namespace cgroups
}  // namespace crate
