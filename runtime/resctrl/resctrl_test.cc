#include "runtime/resctrl/resctrl.h"

#include <unistd.h>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/base/file_util.h"
#include "runtime/base/status_matchers.h"

namespace crate::resctrl {
namespace {

using ::crate::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// A directory tree shaped like a resctrl mount on a host with CAT, MBA and
// monitoring.
class ResctrlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(root_, MakeTempDir("resctrl_test"));
    Put("info/L3/cbm_mask", "fffff\n");
    Put("info/L3/min_cbm_bits", "1\n");
    Put("info/L3/num_closids", "16\n");
    Put("info/MB/bandwidth_gran", "10\n");
    Put("info/MB/delay_linear", "1\n");
    Put("info/MB/min_bandwidth", "10\n");
    Put("info/MB/num_closids", "8\n");
    Put("info/L3_MON/mon_features",
        "llc_occupancy\nmbm_total_bytes\nmbm_local_bytes\n");
    Put("info/last_cmd_status", "ok\n");
    Put("schemata", "    L3:0=fffff;1=fffff\n    MB:0=100;1=100\n");
    Put("tasks", "");
  }
  void TearDown() override { ASSERT_OK(RemoveTree(root_)); }

  void Put(const std::string& rel, const std::string& text) {
    std::string path = JoinPath(root_, rel);
    ASSERT_OK(MakeDirs(path.substr(0, path.rfind('/'))));
    ASSERT_OK(WriteFileAtomic(path, text));
  }
  std::string Get(const std::string& rel) {
    absl::StatusOr<std::string> s = ReadFile(JoinPath(root_, rel));
    return s.ok() ? *s : "<" + std::string(s.status().message()) + ">";
  }
  Plan PlanFor(const Config& c, const std::string& id = "c1") {
    absl::StatusOr<Plan> p = MakePlan(c, id, ReadFeatures(root_));
    EXPECT_OK(p.status());
    return p.ok() ? *p : Plan{};
  }

  std::string root_;
};

TEST_F(ResctrlTest, ReadsFeatures) {
  Features f = ReadFeatures(root_);
  EXPECT_TRUE(f.mounted);
  EXPECT_EQ(f.root, root_);
  EXPECT_THAT(f.resources, ElementsAre("L3", "L3_MON", "MB"));
  EXPECT_THAT(f.mon_features, ElementsAre("llc_occupancy", "mbm_local_bytes",
                                          "mbm_total_bytes"));
  ASSERT_OK(RemoveTree(JoinPath(root_, "info")));
  EXPECT_FALSE(ReadFeatures(root_).mounted);
  EXPECT_FALSE(ReadFeatures(JoinPath(root_, "missing")).mounted);
}

TEST_F(ResctrlTest, OwnGroupIsMadeWrittenJoinedAndRemoved) {
  ASSERT_OK_AND_ASSIGN(
      Membership m,
      Prepare(root_, PlanFor(Config{"", "L3:0=f0", "MB:0=50"}, "c1")));
  EXPECT_EQ(m.group, JoinPath(root_, "c1"));
  EXPECT_THAT(m.created, ElementsAre(JoinPath(root_, "c1")));
  EXPECT_EQ(Get("c1/schemata"), "L3:0=f0\nMB:0=50\n");
  ASSERT_OK(AddTask(m, 1234));
  ASSERT_OK(AddTask(m, 1235));
  EXPECT_EQ(Get("c1/tasks"), "1234\n1235\n");
  ASSERT_OK(Remove(m));
  EXPECT_FALSE(PathExists(JoinPath(root_, "c1")));
}

TEST_F(ResctrlTest, GroupWithoutSchemaIsMadeButNotWritten) {
  ASSERT_OK_AND_ASSIGN(Membership m, Prepare(root_, PlanFor(Config{}, "c1")));
  EXPECT_TRUE(PathExists(JoinPath(root_, "c1")));
  EXPECT_FALSE(PathExists(JoinPath(root_, "c1/schemata")));
  ASSERT_OK(Remove(m));
}

TEST_F(ResctrlTest, ExistingClassIsJoinedCheckedAndKept) {
  Put("gold/schemata", "    L3:0=000f0;1=fffff\n    MB:0=100;1=100\n");
  Put("gold/tasks", "1\n");
  ASSERT_OK_AND_ASSIGN(Membership m,
                       Prepare(root_, PlanFor(Config{"gold", "L3:0=f0"})));
  EXPECT_TRUE(m.created.empty());
  // Compared, not written.
  EXPECT_EQ(Get("gold/schemata"),
            "    L3:0=000f0;1=fffff\n    MB:0=100;1=100\n");
  ASSERT_OK(AddTask(m, 77));
  EXPECT_EQ(Get("gold/tasks"), "1\n77\n");
  ASSERT_OK(Remove(m));
  EXPECT_TRUE(PathExists(JoinPath(root_, "gold/tasks")));

  EXPECT_THAT(
      Prepare(root_, PlanFor(Config{"gold", "L3:0=f"})),
      StatusIs(absl::StatusCode::kFailedPrecondition,
               HasSubstr("the existing group " + JoinPath(root_, "gold") +
                         " has schemata \"L3:0=000f0;1=fffff\\n    "
                         "MB:0=100;1=100\", which differs from what "
                         "l3CacheSchema/memBwSchema ask for "
                         "\"L3:0=f\"")));
  // Only a class named by closID alone must exist already.
  ASSERT_OK_AND_ASSIGN(Membership joined,
                       Prepare(root_, PlanFor(Config{"gold"})));
  EXPECT_TRUE(joined.created.empty());
  EXPECT_THAT(Prepare(root_, PlanFor(Config{"silver"})),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("linux.intelRdt.closID: class \"silver\" "
                                 "does not exist")));
  EXPECT_FALSE(PathExists(JoinPath(root_, "silver")));
  // With a schema, a missing class is made, and so removed.
  ASSERT_OK_AND_ASSIGN(Membership made,
                       Prepare(root_, PlanFor(Config{"silver", "L3:0=3"})));
  EXPECT_EQ(Get("silver/schemata"), "L3:0=3\n");
  ASSERT_OK(Remove(made));
  EXPECT_FALSE(PathExists(JoinPath(root_, "silver")));
}

TEST_F(ResctrlTest, MonitoringGroupPerContainerInASharedClass) {
  Put("gold/schemata", "    L3:0=f\n");
  Put("gold/mon_groups/other/tasks", "5\n");
  Config c{"gold", "", "", true, true};
  ASSERT_OK_AND_ASSIGN(Membership m, Prepare(root_, PlanFor(c, "c1")));
  EXPECT_EQ(m.mon_group, JoinPath(root_, "gold/mon_groups/c1"));
  EXPECT_THAT(m.created, ElementsAre(m.mon_group));
  ASSERT_OK(AddTask(m, 42));
  EXPECT_EQ(Get("gold/tasks"), "42\n");
  EXPECT_EQ(Get("gold/mon_groups/c1/tasks"), "42\n");
  ASSERT_OK(Remove(m));
  EXPECT_FALSE(PathExists(m.mon_group));
  EXPECT_TRUE(PathExists(JoinPath(root_, "gold/mon_groups/other/tasks")));
  EXPECT_TRUE(PathExists(JoinPath(root_, "gold/schemata")));
}

TEST_F(ResctrlTest, FailedPrepareLeavesNothing) {
  // The monitoring group is taken: the shared class and the other group
  // stay as they were.
  Put("gold/mon_groups/c1/tasks", "");
  EXPECT_THAT(Prepare(root_, PlanFor(Config{"gold", "", "", true}, "c1")),
              StatusIs(absl::StatusCode::kAlreadyExists,
                       HasSubstr("create resctrl group " +
                                 JoinPath(root_, "gold/mon_groups/c1"))));
  EXPECT_TRUE(PathExists(JoinPath(root_, "gold/mon_groups/c1/tasks")));

  // A file where the group would go; the kernel's explanation is added.
  Put("c2", "");
  Put("info/last_cmd_status", "Insufficient CLOSIDs\n");
  EXPECT_THAT(Prepare(root_, PlanFor(Config{"", "L3:0=f"}, "c2")),
              StatusIs(absl::StatusCode::kAlreadyExists,
                       HasSubstr("(resctrl: Insufficient CLOSIDs)")));
  ASSERT_OK(RemoveTree(JoinPath(root_, "c2")));
}

TEST_F(ResctrlTest, MonitoringInOwnGroup) {
  ASSERT_OK_AND_ASSIGN(
      Membership m,
      Prepare(root_, PlanFor(Config{"", "L3:0=f", "", true}, "c4")));
  EXPECT_THAT(m.created, ElementsAre(JoinPath(root_, "c4"),
                                     JoinPath(root_, "c4/mon_groups/c4")));
  ASSERT_OK(AddTask(m, 9));
  EXPECT_EQ(Get("c4/tasks"), "9\n");
  EXPECT_EQ(Get("c4/mon_groups/c4/tasks"), "9\n");
  ASSERT_OK(Remove(m));
  EXPECT_FALSE(PathExists(JoinPath(root_, "c4")));
}

TEST_F(ResctrlTest, UpdateWritesSchemata) {
  ASSERT_OK_AND_ASSIGN(Membership m,
                       Prepare(root_, PlanFor(Config{"", "L3:0=f"}, "c1")));
  ASSERT_OK_AND_ASSIGN(std::string s,
                       UpdateSchemata("", "MB:0=30", ReadFeatures(root_)));
  ASSERT_OK(WriteSchemata(m, s));
  EXPECT_EQ(Get("c1/schemata"), "MB:0=30\n");
  ASSERT_OK(Remove(m));
}

TEST_F(ResctrlTest, ReadsStats) {
  Config c{"", "L3:0=f0", "MB:0=50", true, true};
  ASSERT_OK_AND_ASSIGN(Membership m, Prepare(root_, PlanFor(c, "c1")));
  Put("c1/schemata", "    L3:0=000f0;1=fffff\n    MB:0=50;1=100\n");
  Put("c1/mon_groups/c1/mon_data/mon_L3_00/llc_occupancy", "1024\n");
  Put("c1/mon_groups/c1/mon_data/mon_L3_00/mbm_total_bytes", "300\n");
  Put("c1/mon_groups/c1/mon_data/mon_L3_00/mbm_local_bytes", "200\n");
  Put("c1/mon_groups/c1/mon_data/mon_L3_01/llc_occupancy", "2048\n");
  Put("c1/mon_groups/c1/mon_data/mon_L3_01/mbm_total_bytes", "30\n");
  ASSERT_OK_AND_ASSIGN(Stats st, ReadStats(m));
  ASSERT_TRUE(st.l3_cache_info.has_value());
  EXPECT_EQ(st.l3_cache_info->cbm_mask, "fffff");
  EXPECT_EQ(st.l3_cache_info->min_cbm_bits, 1u);
  EXPECT_EQ(st.l3_cache_info->num_closids, 16u);
  ASSERT_TRUE(st.mem_bw_info.has_value());
  EXPECT_EQ(st.mem_bw_info->bandwidth_gran, 10u);
  EXPECT_EQ(st.mem_bw_info->min_bandwidth, 10u);
  EXPECT_EQ(st.mem_bw_info->num_closids, 8u);
  EXPECT_EQ(st.l3_cache_schema_root, "L3:0=fffff;1=fffff");
  EXPECT_EQ(st.l3_cache_schema, "L3:0=000f0;1=fffff");
  EXPECT_EQ(st.mem_bw_schema_root, "MB:0=100;1=100");
  EXPECT_EQ(st.mem_bw_schema, "MB:0=50;1=100");
  ASSERT_TRUE(st.cmt_stats.has_value());
  ASSERT_EQ(st.cmt_stats->size(), 2u);
  EXPECT_EQ((*st.cmt_stats)[0].llc_occupancy, 1024u);
  EXPECT_EQ((*st.cmt_stats)[1].llc_occupancy, 2048u);
  ASSERT_TRUE(st.mbm_stats.has_value());
  ASSERT_EQ(st.mbm_stats->size(), 2u);
  EXPECT_EQ((*st.mbm_stats)[0].mbm_total_bytes, 300u);
  EXPECT_EQ((*st.mbm_stats)[0].mbm_local_bytes, 200u);
  EXPECT_EQ((*st.mbm_stats)[1].mbm_total_bytes, 30u);
  ASSERT_OK(Remove(m));

  // Without monitoring there are no counters to report.
  ASSERT_OK_AND_ASSIGN(Membership plain,
                       Prepare(root_, PlanFor(Config{"", "L3:0=f"}, "c2")));
  ASSERT_OK_AND_ASSIGN(Stats ps, ReadStats(plain));
  EXPECT_FALSE(ps.cmt_stats.has_value());
  EXPECT_FALSE(ps.mbm_stats.has_value());
  EXPECT_EQ(ps.l3_cache_schema, "L3:0=f");
  ASSERT_OK(Remove(plain));
}

}  // namespace
}  // namespace crate::resctrl
