#include "runtime/base/file_lock.h"

#include <sys/wait.h>
#include <unistd.h>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/base/file_util.h"
#include "runtime/base/status_matchers.h"

namespace crate {
namespace {

using ::crate::testing::StatusIs;
using ::testing::HasSubstr;

TEST(FileLockTest, ExclusiveLockExcludesOtherProcesses) {
  ASSERT_OK_AND_ASSIGN(std::string dir, MakeTempDir("file_lock_test"));
  std::string path = JoinPath(dir, "lock");
  {
    ASSERT_OK_AND_ASSIGN(FileLock lock, FileLock::Acquire(path));
    // flock is per open file description, so a child process that opens the
    // file itself contends like another command would.
    pid_t pid = fork();
    if (pid == 0) {
      auto other = FileLock::TryAcquire(path);
      _exit(other.ok()
                ? 1
                : (other.status().code() == absl::StatusCode::kUnavailable
                       ? 0
                       : 2));
    }
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0);
  }
  // Released when the FileLock went out of scope.
  ASSERT_OK_AND_ASSIGN(FileLock again, FileLock::TryAcquire(path));
  ASSERT_OK(RemoveTree(dir));
}

TEST(FileLockTest, SharedLocksCoexist) {
  ASSERT_OK_AND_ASSIGN(std::string dir, MakeTempDir("file_lock_test"));
  std::string path = JoinPath(dir, "lock");
  ASSERT_OK_AND_ASSIGN(FileLock a,
                       FileLock::Acquire(path, FileLock::Mode::kShared));
  ASSERT_OK_AND_ASSIGN(FileLock b,
                       FileLock::TryAcquire(path, FileLock::Mode::kShared));
  EXPECT_THAT(
      FileLock::TryAcquire(path),
      StatusIs(absl::StatusCode::kUnavailable, HasSubstr("held by another")));
  ASSERT_OK(RemoveTree(dir));
}

TEST(FileLockTest, MissingDirectoryIsReported) {
  EXPECT_THAT(FileLock::Acquire("/nonexistent-dir/lock"),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr("/nonexistent-dir/lock")));
}

}  // namespace
}  // namespace crate
