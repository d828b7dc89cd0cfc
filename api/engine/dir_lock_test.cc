#include "api/engine/dir_lock.h"

#include <stdio.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/base/file_util.h"
#include "runtime/base/status_matchers.h"

namespace crate::engine {
namespace {

using ::crate::testing::StatusIs;
using ::testing::HasSubstr;

class DirLockTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(root_, MakeTempDir("dir_lock_test"));
    dir_ = JoinPath(root_, "d");
    ASSERT_EQ(::mkdir(dir_.c_str(), 0700), 0);
  }
  void TearDown() override { ASSERT_OK(RemoveTree(root_)); }

  std::string root_;
  std::string dir_;
};

TEST_F(DirLockTest, ExclusiveExcludesOtherProcesses) {
  ASSERT_OK_AND_ASSIGN(DirLock lock, DirLock::Acquire(dir_));
  pid_t pid = fork();
  if (pid == 0) {
    auto other = DirLock::TryAcquire(dir_, DirLock::Mode::kShared);
    _exit(absl::IsUnavailable(other.status()) ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

TEST_F(DirLockTest, SharedLocksCoexistAndCreateNothing) {
  ASSERT_OK_AND_ASSIGN(DirLock a,
                       DirLock::Acquire(dir_, DirLock::Mode::kShared));
  ASSERT_OK_AND_ASSIGN(DirLock b,
                       DirLock::TryAcquire(dir_, DirLock::Mode::kShared));
  EXPECT_THAT(DirLock::TryAcquire(dir_),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr(dir_)));
  ASSERT_OK_AND_ASSIGN(auto entries, ListDir(dir_));
  EXPECT_TRUE(entries.empty());
}

TEST_F(DirLockTest, MissingDirectoryIsNotFound) {
  EXPECT_THAT(DirLock::Acquire(JoinPath(root_, "gone")),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("gone")));
}

// How many of this process's fds are open on `path`.
int OpenFdsOn(const std::string& path) {
  absl::StatusOr<std::vector<std::string>> fds = ListDir("/proc/self/fd");
  int n = 0;
  for (const std::string& fd : fds.value_or(std::vector<std::string>{})) {
    char target[4096];
    std::string link = JoinPath("/proc/self/fd", fd);
    ssize_t len = ::readlink(link.c_str(), target, sizeof(target));
    if (len > 0 && std::string(target, len) == path) ++n;
  }
  return n;
}

TEST_F(DirLockTest, DirectoryRenamedAwayWhileWaitingIsNotFound) {
  absl::StatusOr<DirLock> waited = absl::UnknownError("not run");
  absl::StatusOr<DirLock> holder = DirLock::Acquire(dir_);
  ASSERT_OK(holder);
  std::thread waiter([&] { waited = DirLock::Acquire(dir_); });
  // The waiter has opened the directory (and blocks in flock, or is about
  // to) once a second fd is open on it.
  for (int i = 0; i < 1000 && OpenFdsOn(dir_) < 2; ++i) ::usleep(1000);
  // EXPECT, not ASSERT: the thread must be joined whatever happens.
  EXPECT_EQ(::rename(dir_.c_str(), JoinPath(root_, "away").c_str()), 0);
  EXPECT_EQ(::mkdir(dir_.c_str(), 0700), 0);  // a new one at the same path
  holder = absl::UnknownError("released");
  waiter.join();
  EXPECT_THAT(waited, StatusIs(absl::StatusCode::kNotFound,
                               HasSubstr("removed while waiting")));
}

}  // namespace
}  // namespace crate::engine
