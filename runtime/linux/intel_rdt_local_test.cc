// linux.intelRdt through the container operations with real containers,
// pointed at a directory tree shaped like resctrl (this host has no RDT):
// groups made, joined by the init before it runs and by exec'd processes,
// updated, read and removed, and nothing left by a failed create.
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/base/file_util.h"
#include "runtime/base/status_matchers.h"
#include "runtime/linux/container.h"
#include "runtime/resctrl/resctrl.h"
#include "runtime/resctrl/schema.h"
#include "tests/fixtures/fixtures.h"

namespace crate::linux {
namespace {

using ::crate::testing::StatusIs;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

class IntelRdtTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root";
    ASSERT_OK_AND_ASSIGN(tmp_, MakeTempDir("intel_rdt_test"));
    rdt_ = JoinPath(tmp_, "resctrl");
    root_ = JoinPath(tmp_, "state");
    bundle_ = JoinPath(tmp_, "bundle");
    ASSERT_OK(fixtures::MakeBundle(bundle_, {"sleep", "60"}));
    Put("info/L3/cbm_mask", "fffff\n");
    Put("info/L3/min_cbm_bits", "1\n");
    Put("info/L3/num_closids", "16\n");
    Put("info/MB/bandwidth_gran", "10\n");
    Put("info/MB/delay_linear", "1\n");
    Put("info/MB/min_bandwidth", "10\n");
    Put("info/MB/num_closids", "8\n");
    Put("info/L3_MON/mon_features", "llc_occupancy\nmbm_total_bytes\n");
    Put("schemata", "    L3:0=fffff\n    MB:0=100\n");
    Put("tasks", "");
    prefix_ = absl::StrCat("crate-rdt-", getpid(), "-");
  }
  void TearDown() override {
    if (tmp_.empty()) return;
    for (const std::string& id : ids_) Delete(root_, id, true).IgnoreError();
    ASSERT_OK(RemoveTree(tmp_));
  }

  void Put(const std::string& rel, const std::string& text) {
    std::string path = JoinPath(rdt_, rel);
    ASSERT_OK(MakeDirs(path.substr(0, path.rfind('/'))));
    ASSERT_OK(WriteFileAtomic(path, text));
  }
  std::string Get(const std::string& rel) {
    absl::StatusOr<std::string> s = ReadFile(JoinPath(rdt_, rel));
    return s.ok() ? *s : "<missing>";
  }
  std::vector<std::string> Tasks(const std::string& rel) {
    return absl::StrSplit(Get(rel + "/tasks"), '\n', absl::SkipEmpty());
  }
  // Writes config.json with linux.intelRdt (and more) set.
  void Configure(const nlohmann::json& rdt,
                 const nlohmann::json& hooks = nullptr) {
    ASSERT_OK_AND_ASSIGN(std::string text,
                         ReadFile(JoinPath(bundle_, "config.json")));
    nlohmann::json j = nlohmann::json::parse(text);
    j["linux"]["intelRdt"] = rdt;
    if (!hooks.is_null()) j["hooks"] = hooks;
    ASSERT_OK(WriteFileAtomic(JoinPath(bundle_, "config.json"), j.dump()));
  }
  absl::StatusOr<pid_t> CreateContainer(const std::string& name,
                                        const std::string& resctrl_root) {
    CreateOptions o;
    o.root = root_;
    o.id = prefix_ + name;
    o.bundle = bundle_;
    o.resctrl_root = resctrl_root;
    ids_.push_back(o.id);
    absl::StatusOr<Container> c = Container::Create(o);
    if (!c.ok()) return c.status();
    return c->init_pid();
  }
  std::vector<std::string> Listing() {
    absl::StatusOr<std::vector<std::string>> names = ListDir(rdt_);
    EXPECT_OK(names.status());
    return names.ok() ? *names : std::vector<std::string>{};
  }

  std::string tmp_, rdt_, root_, bundle_, prefix_;
  std::vector<std::string> ids_;
};

TEST_F(IntelRdtTest, OwnGroupLifeCycle) {
  Configure({{"l3CacheSchema", "L3:0=f0"}, {"enableMBM", true}});
  ASSERT_OK_AND_ASSIGN(pid_t init, CreateContainer("own", rdt_));
  const std::string id = prefix_ + "own";
  // Joined at create, before start lets the container's process run.
  EXPECT_EQ(Get(id + "/schemata"), "L3:0=f0\n");
  EXPECT_THAT(Tasks(id), UnorderedElementsAre(absl::StrCat(init)));
  EXPECT_THAT(Tasks(id + "/mon_groups/" + id),
              UnorderedElementsAre(absl::StrCat(init)));
  ASSERT_OK_AND_ASSIGN(Container c, Container::Load(root_, id));
  ASSERT_OK(c.Start());

  // An exec'd process joins the same groups.
  ExecOptions e;
  e.args = {"true"};
  ASSERT_OK_AND_ASSIGN(pid_t p, c.Exec(e));
  waitpid(p, nullptr, 0);
  EXPECT_THAT(Tasks(id), Contains(absl::StrCat(p)));
  EXPECT_THAT(Tasks(id + "/mon_groups/" + id), Contains(absl::StrCat(p)));

  ASSERT_OK(c.UpdateIntelRdt("", "MB:0=30"));
  EXPECT_EQ(Get(id + "/schemata"), "MB:0=30\n");
  EXPECT_THAT(c.UpdateIntelRdt("L3:0=xyz", ""),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("--l3-cache-schema: \"L3:0=xyz\"")));

  Put(id + "/schemata", "    L3:0=000f0\n    MB:0=30\n");
  Put(id + "/mon_groups/" + id + "/mon_data/mon_L3_00/mbm_total_bytes",
      "4096\n");
  ASSERT_OK_AND_ASSIGN(absl::optional<resctrl::Stats> st, c.IntelRdtStats());
  ASSERT_TRUE(st.has_value());
  EXPECT_EQ(st->l3_cache_schema, "L3:0=000f0");
  EXPECT_EQ(st->mem_bw_schema_root, "MB:0=100");
  ASSERT_TRUE(st->mbm_stats.has_value());
  ASSERT_EQ(st->mbm_stats->size(), 1u);
  EXPECT_EQ((*st->mbm_stats)[0].mbm_total_bytes, 4096u);
  EXPECT_FALSE(st->cmt_stats.has_value());

  ASSERT_OK(c.Delete(/*force=*/true));
  EXPECT_FALSE(PathExists(JoinPath(rdt_, id)));
  EXPECT_THAT(Listing(), UnorderedElementsAre("info", "schemata", "tasks"));
}

TEST_F(IntelRdtTest, SharedClassIsJoinedAndKept) {
  Put("gold/schemata", "    L3:0=000f0\n    MB:0=100\n");
  Put("gold/tasks", "1\n");
  Put("gold/mon_groups/.keep", "");
  Configure(
      {{"closID", "gold"}, {"l3CacheSchema", "L3:0=f0"}, {"enableCMT", true}});
  ASSERT_OK_AND_ASSIGN(pid_t init, CreateContainer("shared", rdt_));
  const std::string id = prefix_ + "shared";
  EXPECT_THAT(Tasks("gold"), UnorderedElementsAre("1", absl::StrCat(init)));
  EXPECT_THAT(Tasks("gold/mon_groups/" + id),
              UnorderedElementsAre(absl::StrCat(init)));
  EXPECT_EQ(Get("gold/schemata"), "    L3:0=000f0\n    MB:0=100\n");
  ASSERT_OK(Delete(root_, id, /*force=*/true));
  EXPECT_FALSE(PathExists(JoinPath(rdt_, "gold/mon_groups/" + id)));
  EXPECT_TRUE(PathExists(JoinPath(rdt_, "gold/schemata")));

  // Another schema than the class has: refused, nothing made.
  Configure({{"closID", "gold"}, {"l3CacheSchema", "L3:0=f"}});
  EXPECT_THAT(CreateContainer("mismatch", rdt_),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("has schemata")));
  EXPECT_FALSE(PathExists(JoinPath(root_, prefix_ + "mismatch")));
  // A class named alone must exist.
  Configure({{"closID", "silver"}});
  EXPECT_THAT(CreateContainer("missing", rdt_),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("class \"silver\" does not exist")));
  EXPECT_THAT(Listing(),
              UnorderedElementsAre("info", "schemata", "tasks", "gold"));
}

TEST_F(IntelRdtTest, FailedCreateLeavesNothing) {
  // The createRuntime hook fails after the group is made and joined.
  Configure({{"l3CacheSchema", "L3:0=f0"}, {"enableCMT", true}},
            {{"createRuntime", {{{"path", "/bin/false"}}}}});
  absl::Status s = CreateContainer("hook", rdt_).status();
  EXPECT_THAT(std::string(s.message()), HasSubstr("createRuntime"));
  EXPECT_FALSE(PathExists(JoinPath(root_, prefix_ + "hook")));
  EXPECT_THAT(Listing(), UnorderedElementsAre("info", "schemata", "tasks"));
}

TEST_F(IntelRdtTest, WithoutResctrlTheErrorSaysWhere) {
  const std::string none = JoinPath(tmp_, "no-resctrl");
  ASSERT_OK(MakeDirs(none));
  Configure({{"closID", "gold"}, {"l3CacheSchema", "L3:0=f0"}});
  EXPECT_THAT(
      CreateContainer("none", none),
      StatusIs(absl::StatusCode::kFailedPrecondition,
               HasSubstr("linux.intelRdt: resctrl is not mounted at " + none)));
  EXPECT_FALSE(PathExists(JoinPath(root_, prefix_ + "none")));
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> left, ListDir(none));
  EXPECT_TRUE(left.empty());
}

// The same on the host's resctrl, where there is one: a group of the
// container's own with the root group's schema (always valid), joined by
// the init and removed by delete.
TEST_F(IntelRdtTest, RealResctrlWhereMounted) {
  resctrl::Features f = resctrl::ReadFeatures(resctrl::kDefaultRoot);
  if (!f.mounted) {
    GTEST_SKIP() << "resctrl is not mounted at " << resctrl::kDefaultRoot;
  }
  ASSERT_OK_AND_ASSIGN(std::string root_schemata,
                       ReadFile(JoinPath(resctrl::kDefaultRoot, "schemata")));
  nlohmann::json rdt = nlohmann::json::object();
  std::string l3 = resctrl::LinesFor(root_schemata, "L3");
  std::string mb = resctrl::LinesFor(root_schemata, "MB");
  if (!l3.empty()) rdt["l3CacheSchema"] = l3;
  if (!mb.empty()) rdt["memBwSchema"] = mb;
  Configure(rdt);
  ASSERT_OK_AND_ASSIGN(pid_t init,
                       CreateContainer("real", resctrl::kDefaultRoot));
  const std::string group = JoinPath(resctrl::kDefaultRoot, prefix_ + "real");
  ASSERT_OK_AND_ASSIGN(std::string tasks, ReadFile(JoinPath(group, "tasks")));
  EXPECT_THAT(
      std::vector<std::string>(absl::StrSplit(tasks, '\n', absl::SkipEmpty())),
      Contains(absl::StrCat(init)));
  ASSERT_OK(Delete(root_, prefix_ + "real", /*force=*/true));
  EXPECT_FALSE(PathExists(group));
}

}  // namespace
}  // namespace crate::linux
