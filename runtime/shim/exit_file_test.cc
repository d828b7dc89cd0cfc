#include "runtime/shim/exit_file.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "runtime/base/file_util.h"
#include "runtime/base/status_matchers.h"

namespace crate::shim {
namespace {

using ::crate::testing::StatusIs;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// The wait status of a child that runs `body` and then exits 0.
template <typename F>
int WaitStatusOf(F body) {
  pid_t pid = fork();
  if (pid == 0) {
    body();
    _exit(0);
  }
  int wstatus = 0;
  EXPECT_EQ(waitpid(pid, &wstatus, 0), pid);
  return wstatus;
}

const absl::Time kAt = absl::FromUnixNanos(1475713029669794202);

TEST(FromWaitStatusTest, ExitCodes) {
  ExitStatus s = FromWaitStatus(WaitStatusOf([] { _exit(3); }), kAt);
  EXPECT_EQ(s.exit_code, 3);
  EXPECT_EQ(s.signal, 0);
  EXPECT_EQ(s.finished_at, kAt);
  EXPECT_EQ(s.reason, "");
  EXPECT_EQ(FromWaitStatus(WaitStatusOf([] {}), kAt).exit_code, 0);
}

TEST(FromWaitStatusTest, ASignalIs128PlusItsNumber) {
  ExitStatus s = FromWaitStatus(WaitStatusOf([] { raise(SIGKILL); }), kAt);
  EXPECT_EQ(s.exit_code, 137);
  EXPECT_EQ(s.signal, SIGKILL);
  s = FromWaitStatus(WaitStatusOf([] { raise(SIGTERM); }), kAt);
  EXPECT_EQ(s.exit_code, 143);
  EXPECT_EQ(s.signal, SIGTERM);
  // A core dump does not change the code.
  s = FromWaitStatus(W_EXITCODE(0, SIGSEGV) | WCOREFLAG, kAt);
  EXPECT_EQ(s.exit_code, 139);
  EXPECT_EQ(s.signal, SIGSEGV);
}

TEST(FromWaitStatusTest, AStoppedProcessIsNotTakenForAnExit) {
  ExitStatus s = FromWaitStatus(W_STOPCODE(SIGSTOP), kAt);
  EXPECT_EQ(s.exit_code, 255);
  EXPECT_THAT(s.reason, HasSubstr("unexpected wait status"));
}

class ExitFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(dir_, MakeTempDir("exit_file_test"));
    path_ = JoinPath(dir_, "exit.json");
  }
  void TearDown() override { ASSERT_OK(RemoveTree(dir_)); }

  void Put(const std::string& text) { ASSERT_OK(WriteFileAtomic(path_, text)); }

  std::string dir_;
  std::string path_;
};

TEST_F(ExitFileTest, RoundTrips) {
  ExitStatus s{137, 9, true, kAt, "OOMKilled"};
  ASSERT_OK(WriteExitFile(path_, s));
  ASSERT_OK_AND_ASSIGN(ExitStatus back, ReadExitFile(path_));
  EXPECT_EQ(back.exit_code, 137);
  EXPECT_EQ(back.signal, 9);
  EXPECT_TRUE(back.oom_killed);
  EXPECT_EQ(back.finished_at, kAt);
  EXPECT_EQ(back.reason, "OOMKilled");
}

TEST_F(ExitFileTest, HasTheDocumentedFields) {
  ASSERT_OK(WriteExitFile(path_, {0, 0, false, kAt, ""}));
  ASSERT_OK_AND_ASSIGN(std::string text, ReadFile(path_));
  EXPECT_EQ(nlohmann::json::parse(text),
            nlohmann::json({{"exit_code", 0},
                            {"signal", 0},
                            {"oom_killed", false},
                            {"finished_at", "2016-10-06T00:17:09.669794202Z"},
                            {"reason", ""}}));
}

TEST_F(ExitFileTest, ReplacesAndLeavesNoTemporaryFile) {
  ASSERT_OK(WriteExitFile(path_, {1, 0, false, kAt, ""}));
  ASSERT_OK(WriteExitFile(path_, {2, 0, false, kAt, ""}));
  ASSERT_OK_AND_ASSIGN(ExitStatus back, ReadExitFile(path_));
  EXPECT_EQ(back.exit_code, 2);
  ASSERT_OK_AND_ASSIGN(auto names, ListDir(dir_));
  EXPECT_THAT(names, ElementsAre("exit.json"));
}

TEST_F(ExitFileTest, MissingIsNotFound) {
  EXPECT_THAT(ReadExitFile(path_),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr(path_)));
  std::string nodir = JoinPath(dir_, "gone/exit.json");
  EXPECT_THAT(WriteExitFile(nodir, {}),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr(nodir)));
}

TEST_F(ExitFileTest, OnlyTheOptionalFieldsMayBeLeftOut) {
  Put(R"({"exit_code": 1, "finished_at": "2016-10-06T00:17:09Z"})");
  ASSERT_OK_AND_ASSIGN(ExitStatus s, ReadExitFile(path_));
  EXPECT_EQ(s.exit_code, 1);
  EXPECT_EQ(s.signal, 0);
  EXPECT_FALSE(s.oom_killed);
  EXPECT_EQ(s.reason, "");
}

TEST_F(ExitFileTest, CorruptIsDataLossNamingTheFileAndField) {
  struct Case {
    std::string text;
    const char* what;
  } cases[] = {
      {"", "not JSON"},
      {"{\"exit_code\": 1", "not JSON"},
      {std::string("\x00\x01\xff", 3), "not JSON"},
      {"[1]", "not a JSON object"},
      {"{}", "\"exit_code\""},
      {R"({"exit_code": "0", "finished_at": "2016-10-06T00:17:09Z"})",
       "\"exit_code\""},
      {R"({"exit_code": 256, "finished_at": "2016-10-06T00:17:09Z"})",
       "\"exit_code\""},
      {R"({"exit_code": 1.5, "finished_at": "2016-10-06T00:17:09Z"})",
       "\"exit_code\""},
      {R"({"exit_code": 0})", "\"finished_at\""},
      {R"({"exit_code": 0, "finished_at": "yesterday"})", "\"finished_at\""},
      {R"({"exit_code": 0, "finished_at": 1475713029})", "\"finished_at\""},
      {R"({"exit_code": 0, "signal": 99, "finished_at": "2016-10-06T00:17:09Z"})",
       "\"signal\""},
      {R"({"exit_code": 0, "oom_killed": 1, "finished_at": "2016-10-06T00:17:09Z"})",
       "\"oom_killed\""},
      {R"({"exit_code": 0, "reason": 7, "finished_at": "2016-10-06T00:17:09Z"})",
       "\"reason\""},
      {std::string(100000, ' '), "too large"},
  };
  for (const Case& c : cases) {
    Put(c.text);
    EXPECT_THAT(
        ReadExitFile(path_),
        StatusIs(absl::StatusCode::kDataLoss,
                 AllOf(HasSubstr("exit file " + path_), HasSubstr(c.what))))
        << c.text.substr(0, 80);
  }
}

}  // namespace
}  // namespace crate::shim
