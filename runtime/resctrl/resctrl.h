// Doing for linux.intelRdt: reads what a resctrl mount offers, makes and
// removes a container's groups, moves tasks into them and reads their
// counters, all under a root directory that is a parameter (the host's
// /sys/fs/resctrl, or a directory tree shaped like it in tests).
//
// Files are opened with O_CREAT: resctrl makes every file of a group with
// the group, so the flag changes nothing there, while on a plain directory
// tree the writes land in ordinary files that can be inspected.
#ifndef CRATE_RUNTIME_RESCTRL_RESCTRL_H_
#define CRATE_RUNTIME_RESCTRL_RESCTRL_H_

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/optional.h"
#include "runtime/resctrl/plan.h"

namespace crate::resctrl {

constexpr char kDefaultRoot[] = "/sys/fs/resctrl";

// resctrl counts as mounted at `root` when root/info is a directory (the
// kernel keeps an empty /sys/fs/resctrl as the mount point).
Features ReadFeatures(const std::string& root);

// Where a container's processes go, and what of it the container made
// (and so removes): recorded with the container's state.
struct Membership {
  std::string root;
  std::string group;      // Absolute path of the control group.
  std::string mon_group;  // Absolute path of its monitoring group, or empty.
  // Directories this container made, innermost last; removed in reverse.
  std::vector<std::string> created;
  bool cmt = false;
  bool mbm = false;
};

// Makes (or joins) the plan's groups and writes the schemata, before any
// process is in them. An existing group given by closID is checked against
// the schemata asked for instead of being written. On error nothing it made
// is left.
absl::StatusOr<Membership> Prepare(const std::string& root, const Plan& plan);

// Moves a process into the control group, then into the monitoring group
// (the kernel takes a task into a monitoring group only from its parent).
absl::Status AddTask(const Membership& m, pid_t pid);

// Removes what the container made, monitoring group first. A shared class
// given by closID that existed before stays.
absl::Status Remove(const Membership& m);

// Writes schemata lines to the container's control group.
absl::Status WriteSchemata(const Membership& m, const std::string& schemata);

struct CacheInfo {
  std::string cbm_mask;
  uint64_t min_cbm_bits = 0;
  uint64_t num_closids = 0;
};
struct MemBwInfo {
  uint64_t bandwidth_gran = 0;
  uint64_t delay_linear = 0;
  uint64_t min_bandwidth = 0;
  uint64_t num_closids = 0;
};
struct MbmNode {
  uint64_t mbm_total_bytes = 0;
  uint64_t mbm_local_bytes = 0;
};
struct CmtNode {
  uint64_t llc_occupancy = 0;
};

// runc's intel_rdt statistics.
struct Stats {
  absl::optional<CacheInfo> l3_cache_info;
  std::string l3_cache_schema_root;
  std::string l3_cache_schema;
  absl::optional<MemBwInfo> mem_bw_info;
  std::string mem_bw_schema_root;
  std::string mem_bw_schema;
  // One entry per mon_data/mon_L3_* domain, when monitoring was asked for.
  absl::optional<std::vector<MbmNode>> mbm_stats;
  absl::optional<std::vector<CmtNode>> cmt_stats;
};

absl::StatusOr<Stats> ReadStats(const Membership& m);

}  // namespace crate::resctrl

#endif  // CRATE_RUNTIME_RESCTRL_RESCTRL_H_
