#include "api/engine/exit_watcher.h"

#include <poll.h>
#include <sys/stat.h>

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/base/file_util.h"
#include "runtime/base/status_matchers.h"

namespace crate::engine {
namespace {

const std::string kA(64, 'a');
const std::string kB(64, 'b');

bool Readable(int fd, int timeout_ms) {
  struct pollfd p = {fd, POLLIN, 0};
  return poll(&p, 1, timeout_ms) == 1;
}

class ExitWatcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(root_, MakeTempDir("exit_watcher_test"));
    ASSERT_OK(MakeDirs(JoinPath(root_, kA), 0700));
  }
  void TearDown() override { ASSERT_OK(RemoveTree(root_)); }

  std::string root_;
};

TEST_F(ExitWatcherTest, AnExitFileRenamedIntoPlaceIsSeen) {
  ASSERT_OK_AND_ASSIGN(auto w, ExitWatcher::Open(root_));
  EXPECT_TRUE(w->Changed().empty());
  ASSERT_OK(
      WriteFileAtomic(JoinPath(JoinPath(root_, kA), "exit.json"), "{}", 0600));
  EXPECT_TRUE(Readable(w->fd(), 10000));
  EXPECT_THAT(w->Changed(), ::testing::ElementsAre(kA));
  EXPECT_TRUE(w->Changed().empty());
}

TEST_F(ExitWatcherTest, OtherFilesAreNot) {
  ASSERT_OK_AND_ASSIGN(auto w, ExitWatcher::Open(root_));
  ASSERT_OK(WriteFileAtomic(JoinPath(JoinPath(root_, kA), "container.json"),
                            "{}", 0600));
  ASSERT_OK(MakeDirs(JoinPath(root_, ".creating-x"), 0700));
  EXPECT_TRUE(w->Changed().empty());
}

TEST_F(ExitWatcherTest, ContainersMadeLaterAreWatched) {
  ASSERT_OK_AND_ASSIGN(auto w, ExitWatcher::Open(root_));
  // As the store makes them: built aside, renamed into place.
  ASSERT_OK(MakeDirs(JoinPath(root_, ".creating-b"), 0700));
  ASSERT_EQ(rename(JoinPath(root_, ".creating-b").c_str(),
                   JoinPath(root_, kB).c_str()),
            0);
  EXPECT_TRUE(Readable(w->fd(), 10000));
  // Newly watched: reported once, its exit may have come before the watch.
  EXPECT_THAT(w->Changed(), ::testing::ElementsAre(kB));
  ASSERT_OK(
      WriteFileAtomic(JoinPath(JoinPath(root_, kB), "exit.json"), "{}", 0600));
  EXPECT_TRUE(Readable(w->fd(), 10000));
  EXPECT_THAT(w->Changed(), ::testing::ElementsAre(kB));
}

TEST_F(ExitWatcherTest, RemovedContainersAreForgotten) {
  ASSERT_OK_AND_ASSIGN(auto w, ExitWatcher::Open(root_));
  ASSERT_OK(RemoveTree(JoinPath(root_, kA)));
  EXPECT_TRUE(Readable(w->fd(), 10000));
  EXPECT_TRUE(w->Changed().empty());
}

}  // namespace
}  // namespace crate::engine
