#include "runtime/linux/container.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/base/file_util.h"
#include "runtime/base/status_matchers.h"

namespace crate::linux {
namespace {

using ::crate::testing::StatusIs;
using ::testing::_;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(ParseSignalTest, NamesAndNumbers) {
  EXPECT_EQ(*ParseSignal("KILL"), SIGKILL);
  EXPECT_EQ(*ParseSignal("SIGTERM"), SIGTERM);
  EXPECT_EQ(*ParseSignal("term"), SIGTERM);
  EXPECT_EQ(*ParseSignal("9"), 9);
  EXPECT_EQ(*ParseSignal("RTMIN+1"), SIGRTMIN + 1);
  EXPECT_THAT(ParseSignal("SIGNOPE"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("unknown signal \"SIGNOPE\"")));
  EXPECT_THAT(ParseSignal("0"), StatusIs(absl::StatusCode::kInvalidArgument,
                                         HasSubstr("invalid signal")));
}

class CreateErrorsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(tmp_, MakeTempDir("container_test"));
    bundle_ = JoinPath(tmp_, "bundle");
    root_ = JoinPath(tmp_, "root");
    ASSERT_OK(MakeDirs(bundle_));
  }
  void TearDown() override { ASSERT_OK(RemoveTree(tmp_)); }
  absl::Status CreateWith(const std::string& config) {
    EXPECT_OK(WriteFileAtomic(JoinPath(bundle_, "config.json"), config));
    CreateOptions o;
    o.root = root_;
    o.id = "c1";
    o.bundle = bundle_;
    return Container::Create(o).status();
  }
  std::string tmp_, bundle_, root_;
};

TEST_F(CreateErrorsTest, BadConfigLeavesNothingBehind) {
  EXPECT_THAT(
      CreateWith(R"({"ociVersion":"1.1.0","process":{"user":{"uid":0,"gid":0},
        "args":["sh"],"cwd":"/"},"root":{"path":"rootfs"},
        "linux":{"namespaces":[{"type":"foo"}]}})"),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("linux.namespaces[0].type: unknown namespace "
                         "\"foo\"")));
  EXPECT_FALSE(PathExists(JoinPath(root_, "c1")));
}

TEST_F(CreateErrorsTest, MissingRootfs) {
  EXPECT_THAT(
      CreateWith(R"({"ociVersion":"1.1.0","process":{"user":{"uid":0,"gid":0},
        "args":["sh"],"cwd":"/"},"root":{"path":"rootfs"}})"),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("root.path: rootfs \"" + bundle_ +
                         "/rootfs\" is not a directory")));
  EXPECT_FALSE(PathExists(JoinPath(root_, "c1")));
}

TEST_F(CreateErrorsTest, MissingConfig) {
  CreateOptions o;
  o.root = root_;
  o.id = "c1";
  o.bundle = bundle_;
  EXPECT_THAT(Container::Create(o),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("config.json")));
}

TEST(LoadTest, MissingContainer) {
  EXPECT_THAT(Container::Load("/nonexistent-root", "x"),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr("container \"x\" does not exist")));
  EXPECT_OK(Delete("/nonexistent-root", "x", /*force=*/true));
  EXPECT_THAT(Delete("/nonexistent-root", "x", /*force=*/false),
              StatusIs(absl::StatusCode::kNotFound, _));
}

// Containers made by hand: a state directory and a record whose init is a
// process of the test's own (a child, or the test itself), so the object's
// view of the init is checked without root, namespaces or cgroups.
class ContainerObjectTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(tmp_, MakeTempDir("container_object_test"));
    root_ = JoinPath(tmp_, "root");
  }
  void TearDown() override {
    for (pid_t pid : children_) {
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
    }
    ASSERT_OK(RemoveTree(tmp_));
  }

  // A child that waits to be killed.
  pid_t Child() {
    pid_t pid = fork();
    if (pid == 0) {
      for (;;) pause();
    }
    children_.push_back(pid);
    return pid;
  }

  // Writes the record of container `id` with `pid` as its init.
  void Record(const std::string& id, pid_t pid, uint64_t start_time,
              oci::ContainerStatus status = oci::ContainerStatus::kCreated,
              const std::string& created = "2024-01-01T00:00:00.000000000Z") {
    absl::StatusOr<ContainerDir> dir = ContainerDir::Open(root_, id);
    if (!dir.ok()) dir = ContainerDir::Create(root_, id);
    ASSERT_OK(dir.status());
    ContainerRecord r;
    r.state.oci_version = "1.1.0";
    r.state.id = id;
    r.state.pid = pid;
    r.state.status = status;
    r.state.bundle = JoinPath(tmp_, "bundle");
    r.init_start_time = start_time;
    r.created = created;
    ASSERT_OK(dir->Save(r));
  }

  oci::ContainerStatus StatusOf(Container& c) {
    absl::StatusOr<ContainerRecord> r = c.State();
    EXPECT_OK(r.status());
    return r.ok() ? r->state.status : oci::ContainerStatus::kCreating;
  }

  std::string tmp_, root_;
  std::vector<pid_t> children_;
};

TEST_F(ContainerObjectTest, CorruptOrMissingRecord) {
  ASSERT_OK(ContainerDir::Create(root_, "bad").status());
  // A directory without a record: a create that died before its first
  // write.
  EXPECT_THAT(Container::Load(root_, "bad"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("has no state")));
  const std::string state = JoinPath(JoinPath(root_, "bad"), "state.json");
  ASSERT_OK(WriteFileAtomic(state, "{not json"));
  EXPECT_THAT(Container::Load(root_, "bad"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(state)));
  // Only a forced delete clears a record it cannot read.
  EXPECT_THAT(Delete(root_, "bad", /*force=*/false),
              StatusIs(absl::StatusCode::kInvalidArgument, _));
  EXPECT_OK(Delete(root_, "bad", /*force=*/true));
  EXPECT_FALSE(PathExists(JoinPath(root_, "bad")));
}

TEST_F(ContainerObjectTest, RecycledPidReadsAsStopped) {
  // The record names this very process, but with another start time: the
  // pid was recycled, and the process must be neither taken for the init
  // nor signalled.
  Record("recycled", getpid(), ProcessStartTime(getpid()) + 1);
  ASSERT_OK_AND_ASSIGN(Container c, Container::Load(root_, "recycled"));
  ASSERT_OK_AND_ASSIGN(ContainerRecord r, c.State());
  EXPECT_EQ(r.state.status, oci::ContainerStatus::kStopped);
  EXPECT_EQ(r.state.pid, 0);
  EXPECT_THAT(c.Kill(SIGTERM, /*all=*/false),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("container not running")));
  EXPECT_THAT(c.Kill(SIGTERM, /*all=*/true),
              StatusIs(absl::StatusCode::kFailedPrecondition, _));
  EXPECT_THAT(c.Start(), StatusIs(absl::StatusCode::kFailedPrecondition,
                                  HasSubstr("that is stopped")));
  ASSERT_OK_AND_ASSIGN(std::vector<pid_t> pids, c.Pids());
  EXPECT_THAT(pids, ElementsAre());
  EXPECT_OK(c.Delete(/*force=*/false));
}

TEST_F(ContainerObjectTest, LiveInitThenKilled) {
  pid_t init = Child();
  Record("live", init, ProcessStartTime(init));
  ASSERT_OK_AND_ASSIGN(Container c, Container::Load(root_, "live"));
  EXPECT_EQ(c.init_pid(), init);
  // No exec FIFO: started.
  EXPECT_EQ(StatusOf(c), oci::ContainerStatus::kRunning);
  ASSERT_OK_AND_ASSIGN(std::vector<pid_t> pids, c.Pids());
  EXPECT_THAT(pids, ElementsAre(init));
  EXPECT_THAT(c.Delete(/*force=*/false),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("that is not stopped: running")));
  ASSERT_OK(c.Kill(SIGKILL, /*all=*/false));
  int status = 0;
  ASSERT_EQ(waitpid(init, &status, 0), init);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  // Reaped: its pid may now be anybody's.
  EXPECT_EQ(StatusOf(c), oci::ContainerStatus::kStopped);
  EXPECT_THAT(c.Kill(SIGTERM, /*all=*/false),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("container not running")));
  EXPECT_THAT(c.Stats(), StatusIs(absl::StatusCode::kFailedPrecondition,
                                  HasSubstr("is stopped")));
}

TEST_F(ContainerObjectTest, ForcedDeleteKillsAndIsIdempotent) {
  pid_t init = Child();
  Record("del", init, ProcessStartTime(init));
  ASSERT_OK_AND_ASSIGN(Container c, Container::Load(root_, "del"));
  ASSERT_OK(c.Delete(/*force=*/true));
  int status = 0;
  ASSERT_EQ(waitpid(init, &status, 0), init);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  EXPECT_FALSE(PathExists(JoinPath(root_, "del")));
  // Once more: gone is fine when forced, an error otherwise.
  EXPECT_OK(c.Delete(/*force=*/true));
  EXPECT_THAT(c.Delete(/*force=*/false),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr("container \"del\" does not exist")));
  EXPECT_THAT(c.State(), StatusIs(absl::StatusCode::kNotFound, _));
  EXPECT_OK(Delete(root_, "del", /*force=*/true));
}

TEST_F(ContainerObjectTest, DeleteOfStoppedNeedsNoForce) {
  pid_t init = Child();
  const uint64_t start = ProcessStartTime(init);
  kill(init, SIGKILL);
  waitpid(init, nullptr, 0);
  Record("stopped", init, start);
  ASSERT_OK_AND_ASSIGN(Container c, Container::Load(root_, "stopped"));
  EXPECT_EQ(StatusOf(c), oci::ContainerStatus::kStopped);
  EXPECT_OK(c.Delete(/*force=*/false));
  EXPECT_FALSE(PathExists(JoinPath(root_, "stopped")));
  EXPECT_THAT(Container::Load(root_, "stopped"),
              StatusIs(absl::StatusCode::kNotFound, _));
}

TEST_F(ContainerObjectTest, RecordRewrittenUnderTheObject) {
  pid_t init = Child();
  const uint64_t start = ProcessStartTime(init);
  Record("c", init, start, oci::ContainerStatus::kCreating);
  ASSERT_OK_AND_ASSIGN(Container c, Container::Load(root_, "c"));
  EXPECT_EQ(StatusOf(c), oci::ContainerStatus::kCreating);
  // The same container, recorded again (its create finished): read anew.
  Record("c", init, start, oci::ContainerStatus::kCreated);
  EXPECT_EQ(StatusOf(c), oci::ContainerStatus::kRunning);
}

TEST_F(ContainerObjectTest, DeletedAndMadeAgainIsNotTheObjects) {
  pid_t first = Child();
  Record("same", first, ProcessStartTime(first));
  ASSERT_OK_AND_ASSIGN(Container c, Container::Load(root_, "same"));
  // Another command deletes it and a new container takes the ID.
  ASSERT_OK(Delete(root_, "same", /*force=*/true));
  waitpid(first, nullptr, 0);
  pid_t second = Child();
  Record("same", second, ProcessStartTime(second),
         oci::ContainerStatus::kCreated, "2024-01-02T00:00:00.000000000Z");
  EXPECT_THAT(c.State(), StatusIs(absl::StatusCode::kNotFound,
                                  HasSubstr("the ID now names a container")));
  EXPECT_THAT(c.Kill(SIGKILL, /*all=*/false),
              StatusIs(absl::StatusCode::kNotFound, _));
  EXPECT_THAT(c.Delete(/*force=*/false),
              StatusIs(absl::StatusCode::kNotFound, _));
  // The new container was left alone.
  ASSERT_OK_AND_ASSIGN(Container other, Container::Load(root_, "same"));
  EXPECT_EQ(StatusOf(other), oci::ContainerStatus::kRunning);
  EXPECT_OK(other.Delete(/*force=*/true));
}

}  // namespace
}  // namespace crate::linux
