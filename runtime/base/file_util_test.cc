#include "runtime/base/file_util.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/base/status_matchers.h"

namespace crate {
namespace {

using ::crate::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

class FileUtilTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(dir_, MakeTempDir("file_util_test"));
  }
  void TearDown() override { ASSERT_OK(RemoveTree(dir_)); }
  std::string dir_;
};

TEST_F(FileUtilTest, AtomicWriteReplacesWholeFileAndLeavesNoTemp) {
  std::string path = JoinPath(dir_, "state.json");
  ASSERT_OK(WriteFileAtomic(path, "first", 0600));
  ASSERT_OK(WriteFileAtomic(path, "second"));
  ASSERT_OK_AND_ASSIGN(std::string got, ReadFile(path));
  EXPECT_EQ(got, "second");
  struct stat st;
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);
  ASSERT_OK_AND_ASSIGN(auto names, ListDir(dir_));
  EXPECT_THAT(names, UnorderedElementsAre("state.json"));
}

TEST_F(FileUtilTest, ConcurrentAtomicWritesNeverTearTheFile) {
  std::string path = JoinPath(dir_, "state.json");
  std::vector<std::thread> writers;
  for (int t = 0; t < 4; ++t) {
    writers.emplace_back([&path, t] {
      std::string content(4096, static_cast<char>('a' + t));
      for (int i = 0; i < 50; ++i) ASSERT_OK(WriteFileAtomic(path, content));
    });
  }
  for (auto& w : writers) w.join();
  ASSERT_OK_AND_ASSIGN(std::string got, ReadFile(path));
  ASSERT_EQ(got.size(), 4096u);
  EXPECT_EQ(got, std::string(4096, got[0]));
  ASSERT_OK_AND_ASSIGN(auto names, ListDir(dir_));
  EXPECT_THAT(names, UnorderedElementsAre("state.json"));
}

TEST_F(FileUtilTest, AtomicWriteIntoMissingDirectoryFailsWithPath) {
  std::string path = JoinPath(dir_, "missing/state.json");
  EXPECT_THAT(WriteFileAtomic(path, "x"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr(path)));
}

TEST_F(FileUtilTest, ReadFileRefusesOversizedFiles) {
  std::string path = JoinPath(dir_, "big");
  ASSERT_OK(WriteFileAtomic(path, std::string(100, 'x')));
  EXPECT_THAT(ReadFile(path, 10), StatusIs(absl::StatusCode::kResourceExhausted,
                                           HasSubstr("larger than 10 bytes")));
  EXPECT_THAT(ReadFile(JoinPath(dir_, "none")),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("open")));
}

TEST_F(FileUtilTest, MakeDirsAndRemoveTree) {
  std::string deep = JoinPath(dir_, "a/b/c");
  ASSERT_OK(MakeDirs(deep));
  ASSERT_OK(MakeDirs(deep));  // idempotent
  ASSERT_OK(WriteFileAtomic(JoinPath(deep, "f"), "x"));
  ASSERT_EQ(symlink("/etc", JoinPath(dir_, "a/link").c_str()), 0);
  ASSERT_OK(RemoveTree(JoinPath(dir_, "a")));
  EXPECT_FALSE(PathExists(JoinPath(dir_, "a")));
  EXPECT_TRUE(PathExists("/etc/passwd"));      // the symlink was not followed
  ASSERT_OK(RemoveTree(JoinPath(dir_, "a")));  // missing is fine
}

TEST_F(FileUtilTest, MakeDirsOverFileFails) {
  std::string f = JoinPath(dir_, "file");
  ASSERT_OK(WriteFileAtomic(f, "x"));
  EXPECT_THAT(
      MakeDirs(JoinPath(f, "sub")),
      StatusIs(absl::StatusCode::kAlreadyExists, HasSubstr("not a directory")));
}

TEST_F(FileUtilTest, WriteAllWritesEverythingAndNamesThePathOnError) {
  // More than a pipe holds at once, so write(2) returns short counts.
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  std::string big(1 << 20, 'x');
  std::thread reader([&] {
    std::string got;
    char buf[4096];
    ssize_t n;
    while ((n = read(fds[0], buf, sizeof buf)) > 0) got.append(buf, n);
    EXPECT_EQ(got.size(), big.size());
  });
  EXPECT_OK(WriteAll(fds[1], big, "the-pipe"));
  close(fds[1]);
  reader.join();
  close(fds[0]);
  EXPECT_THAT(WriteAll(-1, "x", "/no/such/fd"),
              StatusIs(absl::StatusCode::kInternal, HasSubstr("/no/such/fd")));
}

TEST(JoinPathTest, OneSlash) {
  EXPECT_EQ(JoinPath("a", "b"), "a/b");
  EXPECT_EQ(JoinPath("a/", "/b"), "a/b");
  EXPECT_EQ(JoinPath("a/", "b"), "a/b");
  EXPECT_EQ(JoinPath("", "b"), "b");
  EXPECT_EQ(JoinPath("/", "etc"), "/etc");
}

}  // namespace
}  // namespace crate
