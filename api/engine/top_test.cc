#include "api/engine/top.h"

#include <unistd.h>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/base/status_matchers.h"

namespace crate::engine {
namespace {

using ::crate::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr char kPsEf[] =
    "UID          PID    PPID  C STIME TTY          TIME CMD\n"
    "root           1       0  0 10:00 ?        00:00:01 /sbin/init\n"
    "root         812     790  0 10:01 ?        00:00:00 sleep  1000\n"
    "1000         813     812  1 10:01 pts/0    00:00:00 sh -c echo a b\n"
    "\n";

TEST(TopTest, KeepsTheContainersProcessesWithTheirWholeCommand) {
  ASSERT_OK_AND_ASSIGN(TopResult r, ParsePsOutput(kPsEf, {812, 813}));
  EXPECT_THAT(r.titles, ElementsAre("UID", "PID", "PPID", "C", "STIME", "TTY",
                                    "TIME", "CMD"));
  ASSERT_EQ(r.processes.size(), 2u);
  EXPECT_THAT(r.processes[0], ElementsAre("root", "812", "790", "0", "10:01",
                                          "?", "00:00:00", "sleep  1000"));
  EXPECT_EQ(r.processes[1].back(), "sh -c echo a b");
}

TEST(TopTest, NoProcessesIsAnEmptyList) {
  ASSERT_OK_AND_ASSIGN(TopResult r, ParsePsOutput(kPsEf, {}));
  EXPECT_TRUE(r.processes.empty());
  EXPECT_EQ(r.titles.size(), 8u);
}

TEST(TopTest, OutputWithoutAPidColumnIsRefused) {
  EXPECT_THAT(
      ParsePsOutput("USER COMMAND\nroot init\n", {1}),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("no PID column")));
  EXPECT_THAT(ParsePsOutput("PID CMD\nx init\n", {1}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("unexpected pid")));
}

TEST(TopTest, DefaultArgsAreDockers) {
  EXPECT_THAT(TopArgs({}), ElementsAre("-ef"));
  EXPECT_THAT(TopArgs({"aux"}), ElementsAre("aux"));
}

TEST(TopTest, RunsPsAndFindsItself) {
  ASSERT_OK_AND_ASSIGN(std::string out, RunPs({"-o", "pid,comm", "-p",
                                               std::to_string(getpid())}));
  ASSERT_OK_AND_ASSIGN(TopResult r, ParsePsOutput(out, {getpid()}));
  ASSERT_EQ(r.processes.size(), 1u);
  EXPECT_EQ(r.processes[0][0], std::to_string(getpid()));
}

TEST(TopTest, PsFailureIsTheError) {
  EXPECT_THAT(RunPs({"--no-such-option"}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("ps")));
}

}  // namespace
}  // namespace crate::engine
