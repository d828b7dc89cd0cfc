#include "cli/crate-runtime/intel_rdt_json.h"

#include "gtest/gtest.h"

namespace crate::cli {
namespace {

TEST(IntelRdtJsonTest, RuncFieldNames) {
  resctrl::Stats s;
  s.l3_cache_info = resctrl::CacheInfo{"fffff", 1, 16};
  s.l3_cache_schema_root = "L3:0=fffff";
  s.l3_cache_schema = "L3:0=f0";
  s.mem_bw_info = resctrl::MemBwInfo{10, 1, 10, 8};
  s.mem_bw_schema_root = "MB:0=100";
  s.mem_bw_schema = "MB:0=50";
  s.mbm_stats = std::vector<resctrl::MbmNode>{{300, 200}};
  s.cmt_stats = std::vector<resctrl::CmtNode>{{1024}, {2048}};
  EXPECT_EQ(
      IntelRdtJson(s).dump(),
      R"({"l3_cache_info":{"cbm_mask":"fffff","min_cbm_bits":1,"num_closids":16},)"
      R"("l3_cache_schema_root":"L3:0=fffff","l3_cache_schema":"L3:0=f0",)"
      R"("mem_bw_info":{"bandwidth_gran":10,"delay_linear":1,"min_bandwidth":10,"num_closids":8},)"
      R"("mem_bw_schema_root":"MB:0=100","mem_bw_schema":"MB:0=50",)"
      R"("mbm_stats":[{"mbm_total_bytes":300,"mbm_local_bytes":200}],)"
      R"("cmt_stats":[{"llc_occupancy":1024},{"llc_occupancy":2048}]})");
}

TEST(IntelRdtJsonTest, LeavesOutWhatIsMissing) {
  resctrl::Stats s;
  s.l3_cache_schema = "L3:0=f0";
  EXPECT_EQ(IntelRdtJson(s).dump(), R"({"l3_cache_schema":"L3:0=f0"})");
}

}  // namespace
}  // namespace crate::cli
