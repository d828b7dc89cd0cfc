// Deciding, for the systemd cgroup driver: from linux.cgroupsPath
// ("slice:prefix:name"), the resources, the init's pid and the cgroup
// version to the transient scope unit systemd is asked for (name, slice,
// properties) and what must still be written through cgroupfs because
// systemd has no property for it. Pure: the executor (sd_bus.h,
// systemd_cgroup.h) does the talking.
#ifndef CRATE_RUNTIME_CGROUPS_SYSTEMD_SCOPE_PLAN_H_
#define CRATE_RUNTIME_CGROUPS_SYSTEMD_SCOPE_PLAN_H_

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "runtime/cgroups/resources.h"
#include "runtime/cgroups/systemd/properties.h"

namespace crate {
namespace cgroups {
namespace systemd {

struct UnitName {
  std::string slice;  // "machine.slice"
  std::string unit;   // "libpod-abc.scope"
};

// runc's reading of linux.cgroupsPath under --systemd-cgroup: empty means
// "<default slice>:crate:<id>"; otherwise exactly "slice:prefix:name", an
// empty slice meaning the default (system.slice, or user.slice rootless)
// and an empty prefix a unit named "name.scope".
absl::StatusOr<UnitName> ParseCgroupsPath(absl::string_view cgroups_path,
                                          absl::string_view id, bool rootless);

// Where systemd puts a slice: "a-b.slice" lives in "a.slice/a-b.slice";
// "-.slice" is the root (""). Invalid names ("a--b.slice", "-a.slice",
// "a.service") are refused.
absl::StatusOr<std::string> ExpandSlice(absl::string_view slice);

// A cpuset list ("0-3,8") as systemd's bitmask bytes (bit n of byte n/8).
absl::StatusOr<std::vector<uint8_t>> CpuListToBits(absl::string_view list);

// systemd's CPUQuotaPerSecUSec for a CFS quota and period: whole percents
// (systemd keeps CPUQuota= as a percentage), rounded up; UINT64_MAX for no
// quota. `exact` says whether the kernel gets exactly quota/period from it.
uint64_t QuotaPerSecUSec(int64_t quota, uint64_t period, bool* exact);

struct PlanInput {
  bool v2 = true;  // cgroup2 (else v1 or hybrid: systemd's v1 properties).
  // From the Manager's Version: AllowedCPUs/AllowedMemoryNodes need 244,
  // CPUQuotaPeriodUSec 242.
  int systemd_version = 0;
  // Names of device majors from /proc/devices ("136" -> "pts"), for rules
  // with a wildcard minor, which systemd can only name by driver.
  std::map<int64_t, std::string> char_majors;
  std::map<int64_t, std::string> block_majors;
};

struct ResourcePlan {
  std::vector<Property> properties;
  // What is left for cgroupfs: the fields systemd got no property for (or
  // not exactly, like a quota systemd rounds). Device rules stay here too:
  // systemd's filter and crate's are both attached and agree.
  Resources leftovers;
};

// Properties for `resources` (also for `update`: SetUnitProperties).
absl::StatusOr<ResourcePlan> PlanResources(const Resources& resources,
                                           const PlanInput& input);

// org.systemd.property.NAME annotations, runc's and crun's way to pass any
// unit property: the value in GVariant text, as they read it: true/false,
// 'string' (or "string"), "uint64 N", "int64 N", "uint32 N", "int32 N", or
// a bare number (int32). NAME ending in "Sec" (not "USec") takes seconds
// (fractions allowed) and becomes NAMEUSec in microseconds, as in runc.
absl::StatusOr<std::vector<Property>> AnnotationProperties(
    const std::map<std::string, std::string>& annotations);

struct ScopeRequest {
  std::string cgroups_path;  // linux.cgroupsPath as written.
  std::string id;            // The container's ID.
  bool rootless = false;     // The user's service manager, not the system's.
  pid_t pid = 0;             // The init, put into the scope by systemd.
  const Resources* resources = nullptr;
  // The spec's annotations: org.systemd.property.* are added last.
  std::map<std::string, std::string> annotations;
  PlanInput input;
};

struct ScopePlan {
  UnitName name;
  // The scope's cgroup below the service manager's own root ("/" for the
  // system one): "machine.slice/libpod-abc.scope".
  std::string cgroup_path;
  std::vector<Property> properties;  // For StartTransientUnit.
  Resources leftovers;
};

absl::StatusOr<ScopePlan> PlanScope(const ScopeRequest& request);

}  // namespace systemd
}  // namespace cgroups
}  // namespace crate

#endif  // CRATE_RUNTIME_CGROUPS_SYSTEMD_SCOPE_PLAN_H_
