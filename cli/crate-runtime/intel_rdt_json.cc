#include "cli/crate-runtime/intel_rdt_json.h"

namespace crate::cli {

nlohmann::ordered_json IntelRdtJson(const resctrl::Stats& s) {
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  if (s.l3_cache_info) {
    j["l3_cache_info"] = {{"cbm_mask", s.l3_cache_info->cbm_mask},
                          {"min_cbm_bits", s.l3_cache_info->min_cbm_bits},
                          {"num_closids", s.l3_cache_info->num_closids}};
  }
  if (!s.l3_cache_schema_root.empty()) {
    j["l3_cache_schema_root"] = s.l3_cache_schema_root;
  }
  if (!s.l3_cache_schema.empty()) j["l3_cache_schema"] = s.l3_cache_schema;
  if (s.mem_bw_info) {
    j["mem_bw_info"] = {{"bandwidth_gran", s.mem_bw_info->bandwidth_gran},
                        {"delay_linear", s.mem_bw_info->delay_linear},
                        {"min_bandwidth", s.mem_bw_info->min_bandwidth},
                        {"num_closids", s.mem_bw_info->num_closids}};
  }
  if (!s.mem_bw_schema_root.empty()) {
    j["mem_bw_schema_root"] = s.mem_bw_schema_root;
  }
  if (!s.mem_bw_schema.empty()) j["mem_bw_schema"] = s.mem_bw_schema;
  if (s.mbm_stats) {
    nlohmann::ordered_json a = nlohmann::ordered_json::array();
    for (const resctrl::MbmNode& n : *s.mbm_stats) {
      a.push_back({{"mbm_total_bytes", n.mbm_total_bytes},
                   {"mbm_local_bytes", n.mbm_local_bytes}});
    }
    j["mbm_stats"] = a;
  }
  if (s.cmt_stats) {
    nlohmann::ordered_json a = nlohmann::ordered_json::array();
    for (const resctrl::CmtNode& n : *s.cmt_stats) {
      a.push_back({{"llc_occupancy", n.llc_occupancy}});
    }
    j["cmt_stats"] = a;
  }
  return j;
}

}  // namespace crate::cli
