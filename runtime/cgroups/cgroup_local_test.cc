// Runs on this host's real cgroup hierarchies, as root: makes cgroups named
// crate-test-<pid>, puts a forked child in them, and removes everything it
// made on every path (a failing assertion included).
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <limits>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/base/file_util.h"
#include "runtime/base/status_matchers.h"
#include "runtime/cgroups/cgroup.h"
#include "runtime/cgroups/device_filter.h"

namespace crate {
namespace cgroups {
namespace {

using ::crate::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr const char* kV1Controllers[] = {
    "blkio",    "cpu",        "cpuacct", "cpuset", "devices",
    "freezer",  "hugetlb",    "memory",  "pids",   "net_cls",
    "net_prio", "perf_event", "rdma",    "misc",   "unified"};

template <typename T>
T Get(absl::StatusOr<T> s) {
  EXPECT_OK(s.status());
  return s.ok() ? *std::move(s) : T();
}

// A child that waits for a byte on a pipe, then runs `then` and exits with
// its result. Killed and reaped on destruction if still there.
class Child {
 public:
  explicit Child(int (*then)() = nullptr) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) return;
    pid_ = fork();
    if (pid_ == 0) {
      close(fds[1]);
      char c;
      ssize_t n = read(fds[0], &c, 1);
      _exit(n == 1 && then ? then() : 0);
    }
    close(fds[0]);
    go_ = fds[1];
  }
  ~Child() {
    if (go_ >= 0) close(go_);
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      Wait();
    }
  }
  pid_t pid() const { return pid_; }
  void Go() {
    char c = 'x';
    EXPECT_EQ(write(go_, &c, 1), 1);
  }
  // The raw wait status; the child is gone afterwards.
  int Wait() {
    int status = -1;
    while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
    return status;
  }

 private:
  pid_t pid_ = -1;
  int go_ = -1;
};

int OpenNullAndZero() {
  int null_fd = open("/dev/null", O_RDONLY);
  if (null_fd < 0) return 10;
  int zero_fd = open("/dev/zero", O_RDONLY);
  if (zero_fd >= 0) return 11;
  return errno == EPERM ? 0 : 12;
}

std::string Name() { return absl::StrCat("crate-test-", getpid()); }

// Whatever a failed test left behind: thaw, kill, remove.
void ForceCleanup(const std::string& root, const std::string& name) {
  for (const char* c : kV1Controllers) {
    std::string dir = JoinPath(JoinPath(root, c), name);
    if (!PathExists(dir)) continue;
    (void)WriteExistingFile(JoinPath(dir, "freezer.state"), "THAWED");
    (void)WriteExistingFile(JoinPath(dir, "cgroup.kill"), "1");
    for (int i = 0; i < 100 && rmdir(dir.c_str()) != 0 && errno == EBUSY; ++i) {
      usleep(10000);
    }
  }
}

class LocalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root";
    absl::StatusOr<Mode> mode = DetectMode();
    if (!mode.ok() || *mode == Mode::kV2) {
      GTEST_SKIP() << "needs cgroup v1 or hybrid at /sys/fs/cgroup";
    }
    mode_ = *mode;
  }
  void TearDown() override { ForceCleanup(kDefaultRoot, Name()); }

  Mode mode_ = Mode::kV1;
};

TEST_F(LocalTest, V1LimitsFreezeKillDestroy) {
  ASSERT_OK_AND_ASSIGN(auto cg, OpenCgroup({kDefaultRoot, "/" + Name()}));
  EXPECT_EQ(cg->mode(), mode_);
  ASSERT_OK(cg->Create());
  Child child;
  ASSERT_GT(child.pid(), 0);
  ASSERT_OK(cg->AddPid(child.pid()));

  Resources r;
  r.memory.emplace();
  r.memory->limit = 64 << 20;
  r.memory->swap = 128 << 20;
  r.pids.emplace();
  r.pids->limit = 16;
  ASSERT_OK(cg->Apply(r));
  std::string mem = JoinPath("/sys/fs/cgroup/memory", Name());
  EXPECT_EQ(Get(ReadFile(JoinPath(mem, "memory.limit_in_bytes"))),
            "67108864\n");
  EXPECT_EQ(Get(ReadFile(JoinPath(mem, "memory.memsw.limit_in_bytes"))),
            "134217728\n");
  EXPECT_EQ(
      Get(ReadFile(JoinPath("/sys/fs/cgroup/pids/" + Name(), "pids.max"))),
      "16\n");

  // Raising memory above the current memsw and lowering memsw below the
  // current memory both need the other write first.
  r.memory->limit = 256 << 20;
  r.memory->swap = 512 << 20;
  ASSERT_OK(cg->Update(r));
  r.memory->limit = 32 << 20;
  r.memory->swap = 32 << 20;
  ASSERT_OK(cg->Update(r));
  EXPECT_EQ(Get(ReadFile(JoinPath(mem, "memory.limit_in_bytes"))),
            "33554432\n");

  // Invalid: refused before any write.
  Resources bad;
  bad.pids.emplace();
  bad.pids->limit = 5;
  bad.cpu.emplace();
  bad.cpu->cpus = "0-";
  EXPECT_THAT(cg->Update(bad), StatusIs(absl::StatusCode::kInvalidArgument,
                                        HasSubstr("cpu.cpus = 0-")));

  ASSERT_OK_AND_ASSIGN(Stats st, cg->ReadStats());
  EXPECT_EQ(st.memory_limit, 32u << 20);
  EXPECT_EQ(st.pids_limit, 16u);
  EXPECT_EQ(st.pids_current, 1u);
  EXPECT_TRUE(st.memory_usage.has_value());  // v1 charges stay behind.
  EXPECT_THAT(Get(cg->Pids()), ElementsAre(child.pid()));

  ASSERT_OK(cg->Freeze());
  EXPECT_EQ(Get(cg->GetFreezerState()), FreezerState::kFrozen);
  ASSERT_OK(cg->Thaw());
  EXPECT_EQ(Get(cg->GetFreezerState()), FreezerState::kThawed);

  // Busy while the child lives.
  EXPECT_THAT(cg->Destroy(/*force=*/false),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("processes still in it")));
  r.memory->limit = -1;
  r.memory->swap = -1;
  ASSERT_OK(cg->Update(r));
  ASSERT_OK_AND_ASSIGN(st, cg->ReadStats());
  EXPECT_EQ(st.memory_limit, std::numeric_limits<uint64_t>::max());

  ASSERT_OK(cg->Kill(SIGKILL));
  int status = child.Wait();
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << status;
  ASSERT_OK(cg->Destroy(false));
  EXPECT_FALSE(cg->Exists());
  for (const char* c : kV1Controllers) {
    EXPECT_FALSE(PathExists(JoinPath(JoinPath(kDefaultRoot, c), Name()))) << c;
  }
}

TEST_F(LocalTest, V1DeviceRules) {
  if (!PathExists("/sys/fs/cgroup/devices")) GTEST_SKIP() << "no devices";
  ASSERT_OK_AND_ASSIGN(auto cg, OpenCgroup({kDefaultRoot, Name()}));
  ASSERT_OK(cg->Create());
  Child child(OpenNullAndZero);
  ASSERT_OK(cg->AddPid(child.pid()));
  Resources r;
  r.devices.resize(2);  // Deny all, then allow /dev/null.
  r.devices[1].allow = true;
  r.devices[1].type = "c";
  r.devices[1].major = 1;
  r.devices[1].minor = 3;
  ASSERT_OK(cg->Apply(r));
  EXPECT_EQ(Get(ReadFile(
                JoinPath("/sys/fs/cgroup/devices/" + Name(), "devices.list"))),
            "c 1:3 rwm\n");
  child.Go();
  int status = child.Wait();
  ASSERT_TRUE(WIFEXITED(status)) << status;
  EXPECT_EQ(WEXITSTATUS(status), 0);
  ASSERT_OK(cg->Destroy(false));
}

TEST_F(LocalTest, DetectsThisHost) {
  // The machines this runs on are v1/v2 hybrids (see DESIGN.md).
  if (PathExists("/sys/fs/cgroup/unified/cgroup.controllers")) {
    EXPECT_EQ(mode_, Mode::kHybrid);
  }
  EXPECT_THAT(
      DetectMode("/proc"),
      StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("/proc")));
}

TEST_F(LocalTest, HybridHugetlbGoesToCgroup2) {
  if (mode_ != Mode::kHybrid || PathExists("/sys/fs/cgroup/hugetlb") ||
      !PathExists("/sys/kernel/mm/hugepages/hugepages-2048kB")) {
    GTEST_SKIP() << "needs hugetlb only in the cgroup2 half";
  }
  ASSERT_OK_AND_ASSIGN(auto cg, OpenCgroup({kDefaultRoot, Name()}));
  ASSERT_OK(cg->Create());
  Resources r;
  r.hugepage_limits.push_back({"2MB", 4 << 20});
  ASSERT_OK(cg->Apply(r));
  EXPECT_EQ(Get(ReadFile(JoinPath("/sys/fs/cgroup/unified/" + Name(),
                                  "hugetlb.2MB.max"))),
            "4194304\n");
  ASSERT_OK(cg->Destroy(false));
  EXPECT_FALSE(PathExists("/sys/fs/cgroup/unified/" + Name()));
}

TEST_F(LocalTest, ForcedDestroyKillsTheRest) {
  ASSERT_OK_AND_ASSIGN(auto cg, OpenCgroup({kDefaultRoot, Name() + "/nested"}));
  ASSERT_OK(cg->Create());
  Child a, b;
  ASSERT_OK(cg->AddPid(a.pid()));
  ASSERT_OK(cg->AddPid(b.pid()));
  EXPECT_EQ(Get(cg->Pids()).size(), 2u);
  ASSERT_OK(cg->Destroy(/*force=*/true));
  EXPECT_TRUE(WIFSIGNALED(a.Wait()));
  EXPECT_TRUE(WIFSIGNALED(b.Wait()));
  // The parent was made by this cgroup, so it goes too.
  EXPECT_FALSE(PathExists(JoinPath("/sys/fs/cgroup/pids", Name())));
}

// The cgroup2 half of this hybrid host has the freezer, cgroup.kill and the
// eBPF device hook, so the v2 backend gets a real run there too.
TEST_F(LocalTest, V2OnUnifiedWithDeviceFilter) {
  const std::string unified = "/sys/fs/cgroup/unified";
  if (mode_ != Mode::kHybrid) GTEST_SKIP() << "no cgroup2 at " << unified;
  ASSERT_OK_AND_ASSIGN(auto cg, OpenCgroup({unified, Name(), Mode::kV2}));
  ASSERT_OK(cg->Create());
  Child child(OpenNullAndZero);
  ASSERT_OK(cg->AddPid(child.pid()));
  EXPECT_THAT(Get(cg->Pids()), ElementsAre(child.pid()));

  ASSERT_OK(cg->Freeze());
  EXPECT_EQ(Get(cg->GetFreezerState()), FreezerState::kFrozen);
  ASSERT_OK(cg->Thaw());
  EXPECT_EQ(Get(cg->GetFreezerState()), FreezerState::kThawed);
  ASSERT_OK_AND_ASSIGN(auto missing,
                       OpenCgroup({unified, Name() + "-none", Mode::kV2}));
  EXPECT_THAT(
      missing->GetFreezerState(),
      StatusIs(absl::StatusCode::kNotFound, HasSubstr("does not exist")));

  Resources r;
  DeviceRule deny_all;
  r.devices.push_back(deny_all);
  DeviceRule null;
  null.allow = true;
  null.type = "c";
  null.major = 1;
  null.minor = 3;
  r.devices.push_back(null);
  ASSERT_OK(cg->Apply(r));
  // Applied twice: the second replaces the first rather than stacking.
  ASSERT_OK(cg->Apply(r));
  child.Go();
  int status = child.Wait();
  ASSERT_TRUE(WIFEXITED(status)) << status;
  EXPECT_EQ(WEXITSTATUS(status), 0);

  Child sleeper;
  ASSERT_OK(cg->AddPid(sleeper.pid()));
  ASSERT_OK(cg->Destroy(/*force=*/true));
  EXPECT_TRUE(WIFSIGNALED(sleeper.Wait()));
  EXPECT_FALSE(PathExists(JoinPath(unified, Name())));
}

TEST_F(LocalTest, KernelAcceptsDeviceProgram) {
  std::vector<DeviceRule> rules(3);
  rules[1].allow = true;
  rules[1].type = "c";
  rules[1].major = 136;
  rules[1].access = "rw";
  rules[2].type = "b";
  rules[2].minor = 0;
  rules[2].access = "m";
  EXPECT_OK(LoadDeviceProgram(BuildDeviceProgram(rules)).status());
}

}  // namespace
}  // namespace cgroups
}  // namespace crate
