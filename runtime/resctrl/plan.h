// Deciding apart from doing for linux.intelRdt: what a container's resctrl
// group is called, what goes into its schemata, whether it must already
// exist and whether it gets a monitoring group, computed from the
// configuration and what the host's resctrl offers, without touching it.
#ifndef CRATE_RUNTIME_RESCTRL_PLAN_H_
#define CRATE_RUNTIME_RESCTRL_PLAN_H_

#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "runtime/resctrl/schema.h"

namespace crate::resctrl {

// linux.intelRdt of runtime-spec 1.1 (plain fields; runtime/linux maps the
// spec onto it).
struct Config {
  std::string clos_id;
  std::string l3_cache_schema;
  std::string mem_bw_schema;
  bool enable_cmt = false;
  bool enable_mbm = false;
};

// What the host's resctrl file system offers (see ReadFeatures).
struct Features {
  std::string root;  // Where it was looked for; named in errors.
  bool mounted = false;
  // Directories under info/: "L3", "L3CODE", "L3DATA", "MB", "L3_MON".
  std::set<std::string> resources;
  // Lines of info/L3_MON/mon_features: "llc_occupancy", "mbm_total_bytes".
  std::set<std::string> mon_features;
};

struct Plan {
  // The control group's directory name under the root: closID, else the
  // container ID.
  std::string group;
  // Given by closID: a class that others may share.
  bool named_by_clos_id = false;
  // Written to <group>/schemata when the group is made, compared with it
  // when the group exists; empty: schemata is left alone.
  std::string schemata;
  std::vector<SchemaLine> schema_lines;
  // closID without any schema names a class someone configured already.
  bool must_exist = false;
  // Under <group>/mon_groups/: a per-container monitoring group when
  // enableCMT or enableMBM asks for counters; empty otherwise.
  std::string mon_group;
  bool cmt = false;
  bool mbm = false;
};

// Refuses, naming the JSON path and value: a closID that is not a plain
// directory name (or is one of resctrl's own), malformed schema lines,
// resources or monitoring features the host lacks, and any intelRdt on a
// host without resctrl.
absl::StatusOr<Plan> MakePlan(const Config& config,
                              const std::string& container_id,
                              const Features& features);

// The schemata lines an update writes (runc's update --l3-cache-schema and
// --mem-bw-schema), checked as for create.
absl::StatusOr<std::string> UpdateSchemata(const std::string& l3_cache_schema,
                                           const std::string& mem_bw_schema,
                                           const Features& features);

}  // namespace crate::resctrl

#endif  // CRATE_RUNTIME_RESCTRL_PLAN_H_
