#include "runtime/resctrl/plan.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/base/status_matchers.h"

namespace crate::resctrl {
namespace {

using ::crate::testing::StatusIs;
using ::testing::HasSubstr;

Features Host() {
  Features f;
  f.root = "/sys/fs/resctrl";
  f.mounted = true;
  f.resources = {"L3", "MB", "L3_MON"};
  f.mon_features = {"llc_occupancy", "mbm_total_bytes", "mbm_local_bytes"};
  return f;
}

TEST(ResctrlPlanTest, WithoutResctrlTheErrorNamesTheRoot) {
  Features f;
  f.root = "/sys/fs/resctrl";
  EXPECT_THAT(MakePlan(Config{"clos1", "L3:0=f"}, "c1", f),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("linux.intelRdt: resctrl is not mounted at "
                                 "/sys/fs/resctrl")));
}

TEST(ResctrlPlanTest, GroupNamedByClosIdOrContainer) {
  ASSERT_OK_AND_ASSIGN(Plan own, MakePlan(Config{"", "L3:0=f"}, "c1", Host()));
  EXPECT_EQ(own.group, "c1");
  EXPECT_FALSE(own.named_by_clos_id);
  EXPECT_EQ(own.schemata, "L3:0=f");
  EXPECT_FALSE(own.must_exist);
  EXPECT_TRUE(own.mon_group.empty());

  ASSERT_OK_AND_ASSIGN(Plan shared, MakePlan(Config{"gold"}, "c1", Host()));
  EXPECT_EQ(shared.group, "gold");
  EXPECT_TRUE(shared.named_by_clos_id);
  EXPECT_TRUE(shared.schemata.empty());
  EXPECT_TRUE(shared.must_exist);
}

TEST(ResctrlPlanTest, CombinesSchemasAsTheSpecSays) {
  ASSERT_OK_AND_ASSIGN(
      Plan both,
      MakePlan(Config{"", "L3:0=f;1=f0", "MB:0=20;1=70"}, "c1", Host()));
  EXPECT_EQ(both.schemata, "L3:0=f;1=f0\nMB:0=20;1=70");
  // An MB line in l3CacheSchema gives way to memBwSchema.
  ASSERT_OK_AND_ASSIGN(
      Plan over,
      MakePlan(Config{"", "L3:0=f\nMB:0=10", "MB:0=50"}, "c1", Host()));
  EXPECT_EQ(over.schemata, "L3:0=f\nMB:0=50");
  ASSERT_OK_AND_ASSIGN(Plan kept,
                       MakePlan(Config{"", "L3:0=f\nMB:0=10"}, "c1", Host()));
  EXPECT_EQ(kept.schemata, "L3:0=f\nMB:0=10");
  ASSERT_OK_AND_ASSIGN(Plan mb,
                       MakePlan(Config{"", "", "MB:0=30"}, "c1", Host()));
  EXPECT_EQ(mb.schemata, "MB:0=30");
  EXPECT_EQ(mb.schema_lines.size(), 1u);
}

TEST(ResctrlPlanTest, RefusesBadNamesAndSchemasNamingThePath) {
  struct Case {
    Config config;
    std::string id;
    const char* message;
  } cases[] = {
      {{"a/b"}, "c1", "linux.intelRdt.closID: \"a/b\" is not a valid"},
      {{".."}, "c1", "linux.intelRdt.closID: \"..\" is not a valid"},
      {{"info"}, "c1", "\"info\" is the name of resctrl's own directory"},
      {{"", "L3:0=f"}, "mon_groups", "named after the container"},
      {{"", "L3:0=zz"},
       "c1",
       "linux.intelRdt.l3CacheSchema: \"L3:0=zz\": domain 0 mask \"zz\""},
      {{"", "", "L3:0=f"},
       "c1",
       "linux.intelRdt.memBwSchema: \"L3:0=f\" must be a single line "
       "starting with \"MB:\""},
      {{"", "", "MB:0=10\nMB:1=10"}, "c1", "must be a single line"},
      {{"", "", "MB:0=x"},
       "c1",
       "linux.intelRdt.memBwSchema: \"MB:0=x\": domain 0 value \"x\""},
      {{"", "\n\n"}, "c1", "has no schema line"},
      {{"", "L2:0=f"},
       "c1",
       "linux.intelRdt.l3CacheSchema: \"L2:0=f\": this host's resctrl does "
       "not control L2 (no /sys/fs/resctrl/info/L2)"},
  };
  for (const Case& c : cases) {
    EXPECT_THAT(
        MakePlan(c.config, c.id, Host()),
        StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(c.message)))
        << c.message;
  }
}

TEST(ResctrlPlanTest, ResourcesMustBeOnTheHost) {
  Features cdp = Host();
  cdp.resources = {"L3CODE", "L3DATA"};
  EXPECT_THAT(MakePlan(Config{"", "L3:0=f"}, "c1", cdp),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("does not control L3 (no "
                                 "/sys/fs/resctrl/info/L3); code/data "
                                 "prioritisation (CDP) is on")));
  ASSERT_OK_AND_ASSIGN(
      Plan p, MakePlan(Config{"", "L3CODE:0=f\nL3DATA:0=f0"}, "c1", cdp));
  EXPECT_EQ(p.schemata, "L3CODE:0=f\nL3DATA:0=f0");
  EXPECT_THAT(MakePlan(Config{"", "L3CODE:0=f"}, "c1", Host()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("CDP is off: use an L3 line")));
  Features no_mba = Host();
  no_mba.resources = {"L3"};
  EXPECT_THAT(MakePlan(Config{"", "", "MB:0=10"}, "c1", no_mba),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("linux.intelRdt.memBwSchema: \"MB:0=10\": "
                                 "this host's resctrl does not control MB")));
}

TEST(ResctrlPlanTest, MonitoringNeedsTheFeatures) {
  Config cmt{"gold", "", "", true, false};
  ASSERT_OK_AND_ASSIGN(Plan p, MakePlan(cmt, "c1", Host()));
  EXPECT_EQ(p.mon_group, "c1");
  EXPECT_TRUE(p.cmt);
  EXPECT_FALSE(p.mbm);
  Features f = Host();
  f.mon_features = {"mbm_local_bytes"};
  EXPECT_THAT(MakePlan(cmt, "c1", f),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("linux.intelRdt.enableCMT: this host's "
                                 "resctrl cannot monitor cache occupancy")));
  ASSERT_OK(MakePlan(Config{"", "", "", false, true}, "c1", f).status());
  f.mon_features.clear();
  EXPECT_THAT(MakePlan(Config{"", "", "", false, true}, "c1", f),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("linux.intelRdt.enableMBM: this host's "
                                 "resctrl cannot monitor memory bandwidth")));
}

TEST(ResctrlPlanTest, UpdateChecksLikeCreate) {
  ASSERT_OK_AND_ASSIGN(std::string s,
                       UpdateSchemata("L3:0=f", "MB:0=40", Host()));
  EXPECT_EQ(s, "L3:0=f\nMB:0=40");
  EXPECT_THAT(UpdateSchemata("", "MB:0=x", Host()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("--mem-bw-schema: \"MB:0=x\"")));
  Features none;
  none.root = "/r";
  EXPECT_THAT(UpdateSchemata("L3:0=f", "", none),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("resctrl is not mounted at /r")));
}

}  // namespace
}  // namespace crate::resctrl
