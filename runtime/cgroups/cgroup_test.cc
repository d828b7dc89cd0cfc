// Both backends against a temporary tree with the files a kernel would
// show, so the writes can be read back. Nothing here signals a process: the
// pids in these files are made up.
#include "runtime/cgroups/cgroup.h"

#include <poll.h>
#include <signal.h>

#include <fstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/base/file_util.h"
#include "runtime/base/status_matchers.h"

namespace crate {
namespace cgroups {
namespace {

using ::crate::testing::StatusIs;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// The value, or T() after a test failure.
template <typename T>
T Get(absl::StatusOr<T> s) {
  EXPECT_OK(s.status());
  return s.ok() ? *std::move(s) : T();
}

class TreeTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_OK_AND_ASSIGN(root_, MakeTempDir("cg")); }
  void TearDown() override { ASSERT_OK(RemoveTree(root_)); }

  void Put(const std::string& rel, const std::string& content = "") {
    std::string path = JoinPath(root_, rel);
    ASSERT_OK(MakeDirs(path.substr(0, path.rfind('/'))));
    std::ofstream(path) << content;
  }
  std::string Read(const std::string& rel) {
    absl::StatusOr<std::string> s = ReadFile(JoinPath(root_, rel));
    return s.ok() ? *s : "<missing>";
  }
  bool Exists(const std::string& rel) {
    return PathExists(JoinPath(root_, rel));
  }
  std::unique_ptr<Cgroup> Open(const std::string& path, Mode mode) {
    absl::StatusOr<std::unique_ptr<Cgroup>> cg =
        OpenCgroup({root_, path, mode});
    EXPECT_OK(cg.status());
    return cg.ok() ? std::move(*cg) : nullptr;
  }

  std::string root_;
};

TEST(NormalizeTest, Paths) {
  EXPECT_EQ(Get(NormalizeCgroupPath("/crate/abc/")), "crate/abc");
  EXPECT_EQ(Get(NormalizeCgroupPath("a//b")), "a/b");
  EXPECT_THAT(NormalizeCgroupPath("/a/../b"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("..")));
  EXPECT_THAT(NormalizeCgroupPath("/"),
              StatusIs(absl::StatusCode::kInvalidArgument, ::testing::_));
}

class V1Test : public TreeTest {
 protected:
  void SetUp() override {
    TreeTest::SetUp();
    for (const char* c : {"memory", "pids", "cpu", "freezer"}) {
      ASSERT_OK(MakeDirs(JoinPath(root_, c)));
    }
    Put("cpuset/cpuset.cpus", "0-1\n");
    Put("cpuset/cpuset.mems", "0\n");
  }
  // What the kernel shows in a new v1 cgroup, as far as the tests need.
  void Populate(const std::string& path) {
    for (const char* c : {"memory", "pids", "cpu", "freezer", "cpuset"}) {
      Put(JoinPath(JoinPath(c, path), "cgroup.procs"));
    }
    std::string mem = JoinPath("memory", path);
    Put(JoinPath(mem, "memory.limit_in_bytes"));
    Put(JoinPath(mem, "memory.usage_in_bytes"), "4096\n");
    Put(JoinPath("pids", JoinPath(path, "pids.max")));
    Put(JoinPath("pids", JoinPath(path, "pids.current")), "3\n");
    Put(JoinPath("freezer", JoinPath(path, "freezer.state")), "THAWED\n");
  }
};

TEST_F(V1Test, CreateMakesEveryControllerAndInheritsCpuset) {
  Put("cpuset/crate/cpuset.cpus", "");  // As a new kernel cpuset is.
  Put("cpuset/crate/cpuset.mems", "");
  auto cg = Open("/crate/abc", Mode::kV1);
  ASSERT_OK(cg->Create());
  for (const char* c : {"memory", "pids", "cpu", "freezer", "cpuset"}) {
    EXPECT_TRUE(Exists(JoinPath(c, "crate/abc"))) << c;
  }
  EXPECT_FALSE(Exists("blkio"));
  EXPECT_EQ(Read("cpuset/crate/cpuset.cpus"), "0-1");
  EXPECT_EQ(Read("cpuset/crate/cpuset.mems"), "0");
  EXPECT_EQ(cg->mode(), Mode::kV1);
  EXPECT_TRUE(cg->Exists());
}

TEST_F(V1Test, ApplyWritesAndInvalidWritesNothing) {
  auto cg = Open("crate/abc", Mode::kV1);
  ASSERT_OK(cg->Create());
  Populate("crate/abc");
  Resources r;
  r.memory.emplace();
  r.memory->limit = 1 << 20;
  r.pids.emplace();
  r.pids->limit = 64;
  ASSERT_OK(cg->Apply(r));
  EXPECT_EQ(Read("memory/crate/abc/memory.limit_in_bytes"), "1048576");
  EXPECT_EQ(Read("pids/crate/abc/pids.max"), "64");

  Resources bad;
  bad.pids.emplace();
  bad.pids->limit = 32;
  bad.memory.emplace();
  bad.memory->limit = 1000;
  bad.memory->reservation = 2000;
  EXPECT_THAT(cg->Apply(bad), StatusIs(absl::StatusCode::kInvalidArgument,
                                       HasSubstr("memory.reservation = 2000")));
  EXPECT_EQ(Read("pids/crate/abc/pids.max"), "64");
}

TEST_F(V1Test, MissingControllerIsNamed) {
  auto cg = Open("x", Mode::kV1);
  ASSERT_OK(cg->Create());
  Resources r;
  r.block_io.emplace();
  r.block_io->weight = 100;
  EXPECT_THAT(cg->Apply(r), StatusIs(absl::StatusCode::kFailedPrecondition,
                                     AllOf(HasSubstr("blockIO.weight"),
                                           HasSubstr("blkio controller"))));
}

TEST_F(V1Test, PidsStatsFreezer) {
  auto cg = Open("c", Mode::kV1);
  ASSERT_OK(cg->Create());
  Populate("c");
  ASSERT_OK(cg->AddPid(4242));
  EXPECT_EQ(Read("memory/c/cgroup.procs"), "4242");
  EXPECT_EQ(Read("freezer/c/cgroup.procs"), "4242");
  Put("pids/c/cgroup.procs", "12\n34\n");
  Put("pids/c/sub/cgroup.procs", "56\n12\n");
  EXPECT_THAT(Get(cg->Pids()), ElementsAre(12, 34, 56));

  Put("memory/c/memory.stat", "cache 8192\ntotal_inactive_file 1024\n");
  Put("blkio/c/blkio.throttle.io_service_bytes_recursive",
      "8:0 Read 100\n8:0 Write 20\n8:0 Total 120\n8:16 Read 5\nTotal 125\n");
  ASSERT_OK_AND_ASSIGN(Stats st, cg->ReadStats());
  EXPECT_EQ(st.memory_usage, 4096u);
  EXPECT_EQ(st.pids_current, 3u);
  EXPECT_FALSE(st.cpu_usage_ns.has_value());
  EXPECT_EQ(st.memory_inactive_file, 1024u);
  EXPECT_EQ(st.block_read_bytes, 105u);
  EXPECT_EQ(st.block_write_bytes, 20u);

  ASSERT_OK(cg->Freeze());
  EXPECT_EQ(Read("freezer/c/freezer.state"), "FROZEN\n");
  EXPECT_THAT(Get(cg->GetFreezerState()), FreezerState::kFrozen);
  ASSERT_OK(cg->Thaw());
  EXPECT_THAT(Get(cg->GetFreezerState()), FreezerState::kThawed);
}

TEST_F(V1Test, DestroyRemovesWhatItCreatedOnly) {
  ASSERT_OK(MakeDirs(JoinPath(root_, "memory/shared")));
  auto cg = Open("shared/mine/leaf", Mode::kV1);
  ASSERT_OK(cg->Create());
  ASSERT_OK(MakeDirs(JoinPath(root_, "pids/shared/mine/leaf/sub")));
  ASSERT_OK(cg->Destroy(/*force=*/false));
  EXPECT_FALSE(cg->Exists());
  EXPECT_TRUE(Exists("memory/shared"));
  EXPECT_FALSE(Exists("memory/shared/mine"));
  EXPECT_FALSE(Exists("pids/shared"));  // Made by this cgroup.
  // Again: nothing left is fine.
  ASSERT_OK(cg->Destroy(false));
}

TEST_F(V1Test, HybridJoinsUnified) {
  Put("unified/cgroup.controllers", "hugetlb\n");
  Put("unified/cgroup.subtree_control", "");
  auto cg = Open("h", Mode::kHybrid);
  ASSERT_OK(cg->Create());
  EXPECT_TRUE(Exists("unified/h"));
  EXPECT_EQ(Read("unified/cgroup.subtree_control"), "+hugetlb");
  Put("unified/h/hugetlb.2MB.max");
  Resources r;
  r.hugepage_limits.push_back({"2MB", 2 << 20});
  ASSERT_OK(cg->Apply(r));
  EXPECT_EQ(Read("unified/h/hugetlb.2MB.max"), "2097152");
}

class V2Test : public TreeTest {
 protected:
  void SetUp() override {
    TreeTest::SetUp();
    Put("cgroup.controllers", "cpu memory pids\n");
    Put("cgroup.subtree_control", "");
  }
};

TEST_F(V2Test, OomWatchWakesOnMemoryEvents) {
  auto cg = Open("o", Mode::kV2);
  ASSERT_OK(cg->Create());
  Put("o/memory.events", "oom 0\noom_kill 0\n");
  Put("o/cgroup.events", "populated 1\nfrozen 0\n");
  ASSERT_OK_AND_ASSIGN(OomWatch w, cg->WatchOom());
  EXPECT_TRUE(w.counters_changed);
  struct pollfd p = {w.event.get(), POLLIN, 0};
  EXPECT_EQ(poll(&p, 1, 0), 0);
  Put("o/memory.events", "oom 1\noom_kill 1\n");
  EXPECT_EQ(poll(&p, 1, 1000), 1);
  ASSERT_OK_AND_ASSIGN(Stats st, cg->ReadStats());
  EXPECT_EQ(st.oom_kills, 1u);
}

TEST_F(V2Test, CreateEnablesControllersInParents) {
  auto cg = Open("a/b", Mode::kV2);
  ASSERT_OK(cg->Create());
  EXPECT_EQ(Read("cgroup.subtree_control"), "+cpu +memory +pids");
  EXPECT_TRUE(Exists("a/b"));
  EXPECT_FALSE(Exists("a/b/cgroup.subtree_control"));
}

TEST_F(V2Test, ApplyFreezeKill) {
  auto cg = Open("c", Mode::kV2);
  ASSERT_OK(cg->Create());
  for (const char* f : {"memory.max", "pids.max", "cpu.max", "cpu.weight",
                        "cgroup.procs", "cgroup.kill"}) {
    Put(JoinPath("c", f));
  }
  Resources r;
  r.memory.emplace();
  r.memory->limit = 1 << 20;
  r.cpu.emplace();
  r.cpu->shares = 1024;
  r.cpu->quota = 25000;
  r.pids.emplace();
  r.pids->limit = 10;
  ASSERT_OK(cg->Apply(r));
  EXPECT_EQ(Read("c/memory.max"), "1048576");
  EXPECT_EQ(Read("c/cpu.max"), "25000 100000");
  EXPECT_EQ(Read("c/cpu.weight"), "39");
  EXPECT_EQ(Read("c/pids.max"), "10");
  ASSERT_OK(cg->AddPid(77));
  EXPECT_EQ(Read("c/cgroup.procs"), "77");

  Put("c/cgroup.freeze", "0\n");
  Put("c/cgroup.events", "populated 1\nfrozen 1\n");
  ASSERT_OK(cg->Freeze());
  EXPECT_EQ(Read("c/cgroup.freeze"), "1\n");
  EXPECT_THAT(Get(cg->GetFreezerState()), FreezerState::kFrozen);
  EXPECT_THAT(cg->Thaw(absl::Milliseconds(20)),
              StatusIs(absl::StatusCode::kDeadlineExceeded,
                       HasSubstr("cgroup.events")));
  Put("c/cgroup.events", "populated 1\nfrozen 0\n");
  ASSERT_OK(cg->Thaw());
  EXPECT_THAT(Get(cg->GetFreezerState()), FreezerState::kThawed);

  ASSERT_OK(cg->Kill(SIGKILL));
  EXPECT_EQ(Read("c/cgroup.kill"), "1");
}

TEST_F(V2Test, PlanIsVisibleBeforeApplying) {
  auto cg = Open("p", Mode::kV2);
  Resources r;
  r.pids.emplace();
  r.pids->limit = 5;
  ASSERT_OK_AND_ASSIGN(Plan plan, cg->PlanResources(r));
  EXPECT_EQ(PlanToString(plan), "p pids.max=5\n");
  // Not created, so applying names the missing file.
  EXPECT_THAT(cg->Apply(r), StatusIs(absl::StatusCode::kNotFound,
                                     AllOf(HasSubstr("pids.limit"),
                                           HasSubstr("p/pids.max"))));
}

TEST_F(V2Test, DestroyCreatedParents) {
  ASSERT_OK(MakeDirs(JoinPath(root_, "keep")));
  auto cg = Open("keep/new/leaf", Mode::kV2);
  ASSERT_OK(cg->Create());
  ASSERT_OK(cg->Destroy(false));
  EXPECT_FALSE(Exists("keep/new"));
  EXPECT_TRUE(Exists("keep"));
}

TEST(BlockIoTest, SumsBothFormats) {
  EXPECT_EQ(SumBlkioBytes("8:0 Read 7\n8:0 Write 3\n8:0 Sync 9\nTotal 10\n"),
            std::make_pair(uint64_t{7}, uint64_t{3}));
  EXPECT_EQ(SumIoStatBytes("8:0 rbytes=10 wbytes=4 rios=1 wios=1\n"
                           "8:16 rbytes=1 wbytes=2 dbytes=0\n"),
            std::make_pair(uint64_t{11}, uint64_t{6}));
  EXPECT_EQ(SumIoStatBytes(""), std::make_pair(uint64_t{0}, uint64_t{0}));
}

}  // namespace
}  // namespace cgroups
}  // namespace crate
