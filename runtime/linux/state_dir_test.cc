#include "runtime/linux/state_dir.h"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/base/file_util.h"
#include "runtime/base/status_matchers.h"
#include "runtime/linux/launcher.h"

namespace crate::linux {
namespace {

template <typename T>
T ValueOr(absl::StatusOr<T> s) {
  EXPECT_TRUE(s.ok()) << s.status();
  return s.ok() ? *std::move(s) : T{};
}

using ::crate::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

class StateDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(tmp_, MakeTempDir("state_dir_test"));
    root_ = JoinPath(tmp_, "root");
  }
  void TearDown() override { ASSERT_OK(RemoveTree(tmp_)); }
  std::string tmp_;
  std::string root_;
};

TEST_F(StateDirTest, CreateSaveLoadRemove) {
  ASSERT_OK_AND_ASSIGN(ContainerDir dir, ContainerDir::Create(root_, "c1"));
  ContainerRecord r;
  r.state.id = "c1";
  r.state.pid = getpid();
  r.state.bundle = "/b";
  r.state.status = oci::ContainerStatus::kCreated;
  r.init_start_time = ProcessStartTime(getpid());
  r.created = NowRfc3339();
  r.cgroup_path = "/crate/c1";
  ASSERT_OK(dir.Save(r));
  ASSERT_OK_AND_ASSIGN(ContainerRecord back, dir.Load());
  EXPECT_EQ(back.state.id, "c1");
  EXPECT_EQ(back.state.pid, getpid());
  EXPECT_EQ(back.init_start_time, r.init_start_time);
  EXPECT_EQ(back.created, r.created);
  EXPECT_EQ(back.cgroup_path, "/crate/c1");
  EXPECT_EQ(ValueOr(ListContainerIds(root_)), std::vector<std::string>{"c1"});
  ASSERT_OK(dir.Remove());
  EXPECT_EQ(ValueOr(ListContainerIds(root_)), std::vector<std::string>{});
}

TEST_F(StateDirTest, IntelRdtMembershipRoundTrips) {
  ContainerRecord r;
  r.state.id = "c1";
  r.state.bundle = "/b";
  ASSERT_OK_AND_ASSIGN(ContainerRecord none, ParseRecord(RecordToJson(r)));
  EXPECT_FALSE(none.intel_rdt.has_value());
  r.intel_rdt.emplace();
  r.intel_rdt->root = "/sys/fs/resctrl";
  r.intel_rdt->group = "/sys/fs/resctrl/gold";
  r.intel_rdt->mon_group = "/sys/fs/resctrl/gold/mon_groups/c1";
  r.intel_rdt->created = {r.intel_rdt->mon_group};
  r.intel_rdt->mbm = true;
  ASSERT_OK_AND_ASSIGN(ContainerRecord back, ParseRecord(RecordToJson(r)));
  ASSERT_TRUE(back.intel_rdt.has_value());
  EXPECT_EQ(back.intel_rdt->root, "/sys/fs/resctrl");
  EXPECT_EQ(back.intel_rdt->group, "/sys/fs/resctrl/gold");
  EXPECT_EQ(back.intel_rdt->mon_group, "/sys/fs/resctrl/gold/mon_groups/c1");
  EXPECT_THAT(back.intel_rdt->created,
              ElementsAre("/sys/fs/resctrl/gold/mon_groups/c1"));
  EXPECT_FALSE(back.intel_rdt->cmt);
  EXPECT_TRUE(back.intel_rdt->mbm);
}

TEST_F(StateDirTest, DuplicateAndMissing) {
  ASSERT_OK_AND_ASSIGN(ContainerDir dir, ContainerDir::Create(root_, "c1"));
  EXPECT_THAT(ContainerDir::Create(root_, "c1"),
              StatusIs(absl::StatusCode::kAlreadyExists,
                       HasSubstr("container \"c1\" already exists")));
  EXPECT_THAT(ContainerDir::Open(root_, "nope"),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr("container \"nope\" does not exist")));
  EXPECT_THAT(ContainerDir::Create(root_, "../x"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("invalid container ID")));
}

TEST_F(StateDirTest, StatusFollowsTheProcessAndFifo) {
  ASSERT_OK_AND_ASSIGN(ContainerDir dir, ContainerDir::Create(root_, "c1"));
  ContainerRecord r;
  r.state.status = oci::ContainerStatus::kCreated;
  r.state.pid = getpid();
  r.init_start_time = ProcessStartTime(getpid());
  EXPECT_NE(r.init_start_time, 0u);
  EXPECT_EQ(CurrentStatus(r, dir.path()), oci::ContainerStatus::kRunning);
  ASSERT_EQ(mkfifo(JoinPath(dir.path(), kExecFifoName).c_str(), 0600), 0);
  EXPECT_EQ(CurrentStatus(r, dir.path()), oci::ContainerStatus::kCreated);
  // A create that has not finished (or was killed) with its init alive.
  r.state.status = oci::ContainerStatus::kCreating;
  EXPECT_EQ(CurrentStatus(r, dir.path()), oci::ContainerStatus::kCreating);
  r.state.status = oci::ContainerStatus::kCreated;
  r.init_start_time += 1;  // A recycled pid.
  EXPECT_EQ(CurrentStatus(r, dir.path()), oci::ContainerStatus::kStopped);

  pid_t child = fork();
  if (child == 0) _exit(0);
  r.state.pid = child;
  r.init_start_time = 0;
  // A zombie is stopped.
  siginfo_t info;
  ASSERT_EQ(waitid(P_PID, child, &info, WEXITED | WNOWAIT), 0);
  EXPECT_EQ(CurrentStatus(r, dir.path()), oci::ContainerStatus::kStopped);
  waitpid(child, nullptr, 0);
  EXPECT_EQ(CurrentStatus(r, dir.path()), oci::ContainerStatus::kStopped);
}

}  // namespace
}  // namespace crate::linux
