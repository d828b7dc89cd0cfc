#include "runtime/shim/shim_pid_file.h"

#include <sys/wait.h>
#include <unistd.h>

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/base/file_util.h"
#include "runtime/base/status_matchers.h"

namespace crate::shim {
namespace {

using ::crate::testing::StatusIs;
using ::testing::HasSubstr;

class ShimPidFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(dir_, MakeTempDir("shim_pid_file_test"));
    path_ = JoinPath(dir_, "shim.pid");
  }
  void TearDown() override { RemoveTree(dir_).IgnoreError(); }

  std::string dir_, path_;
};

TEST_F(ShimPidFileTest, RoundTripOfThisProcess) {
  ShimPid self{getpid(), ProcessStartTime(getpid())};
  EXPECT_GT(self.start_time, 0u);
  ASSERT_OK(WriteShimPidFile(path_, self));
  ASSERT_OK_AND_ASSIGN(std::string text, ReadFile(path_));
  EXPECT_EQ(text, absl::StrCat(R"({"pid":)", self.pid, R"(,"start_time":)",
                               self.start_time, "}\n"));
  ASSERT_OK_AND_ASSIGN(ShimPid back, ReadShimPidFile(path_));
  EXPECT_EQ(back.pid, self.pid);
  EXPECT_EQ(back.start_time, self.start_time);
  EXPECT_TRUE(ShimAlive(back));
  // The same pid started at another time is another process.
  EXPECT_FALSE(ShimAlive({self.pid, self.start_time + 1}));
  // Replaced without a temporary file left.
  ASSERT_OK(WriteShimPidFile(path_, {1, 2}));
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> names, ListDir(dir_));
  EXPECT_EQ(names, std::vector<std::string>{"shim.pid"});
}

TEST_F(ShimPidFileTest, AZombieOrAGoneProcessIsNotAlive) {
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) _exit(0);
  ShimPid shim{child, 0};
  // A zombie still has its stat until it is reaped.
  for (int i = 0; i < 200 && shim.start_time == 0; ++i) {
    shim.start_time = ProcessStartTime(child);
  }
  usleep(50000);
  EXPECT_FALSE(ShimAlive(shim));
  ASSERT_EQ(waitpid(child, nullptr, 0), child);
  EXPECT_FALSE(ShimAlive(shim));
  EXPECT_EQ(ProcessStartTime(child), 0u);
}

TEST_F(ShimPidFileTest, MissingAndCorruptFiles) {
  EXPECT_THAT(ReadShimPidFile(path_),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr(path_)));
  struct Case {
    const char* text;
    const char* message;
  } cases[] = {
      {"", "not a JSON object"},
      {"1234\n", "not a JSON object"},
      {R"({"start_time": 5})", "\"pid\""},
      {R"({"pid": -1, "start_time": 5})", "\"pid\""},
      {R"({"pid": 0, "start_time": 5})", "\"pid\""},
      {R"({"pid": "12", "start_time": 5})", "\"pid\""},
      {R"({"pid": 12})", "\"start_time\""},
      {R"({"pid": 12, "start_time": 1.5})", "\"start_time\""},
  };
  for (const Case& c : cases) {
    ASSERT_OK(WriteFileAtomic(path_, c.text));
    EXPECT_THAT(
        ReadShimPidFile(path_),
        StatusIs(absl::StatusCode::kDataLoss,
                 ::testing::AllOf(HasSubstr(path_), HasSubstr(c.message))))
        << c.text;
  }
}

}  // namespace
}  // namespace crate::shim
