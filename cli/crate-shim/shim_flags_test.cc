#include "cli/crate-shim/shim_flags.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/base/status_matchers.h"

namespace crate::cli {
namespace {

using ::crate::testing::StatusIs;
using ::testing::HasSubstr;

std::vector<std::string> Full() {
  return {"--id",           "c1",         "--bundle",    "/b",
          "--runtime-root", "/run/r",     "--shim-dir",  "/run/s",
          "--log",          "/l/ctr.log", "--exit-file", "/l/exit.json",
          "--ready-fd",     "5"};
}

TEST(ShimFlagsTest, EveryFlag) {
  std::vector<std::string> args = Full();
  args.insert(args.end(), {"--log-max=1048576", "--tty", "--stdin=true"});
  ASSERT_OK_AND_ASSIGN(ShimFlags f, ParseShimFlags(args, "/cwd"));
  EXPECT_EQ(f.config.id, "c1");
  EXPECT_EQ(f.bundle, "/b");
  EXPECT_EQ(f.runtime_root, "/run/r");
  EXPECT_EQ(f.config.shim_dir, "/run/s");
  EXPECT_EQ(f.config.log_path, "/l/ctr.log");
  EXPECT_EQ(f.config.exit_file, "/l/exit.json");
  EXPECT_EQ(f.config.log_max, 1048576);
  EXPECT_TRUE(f.config.tty);
  EXPECT_TRUE(f.config.open_stdin);
  EXPECT_EQ(f.ready_fd, 5);
}

TEST(ShimFlagsTest, DefaultsAndRelativePaths) {
  ASSERT_OK_AND_ASSIGN(
      ShimFlags f,
      ParseShimFlags(
          {"--id=c1", "--bundle=b", "--runtime-root", "r", "--shim-dir", "s",
           "--log", "l", "--exit-file=e", "--ready-fd", "3", "--tty=false"},
          "/cwd"));
  EXPECT_EQ(f.bundle, "/cwd/b");
  EXPECT_EQ(f.runtime_root, "/cwd/r");
  EXPECT_EQ(f.config.shim_dir, "/cwd/s");
  EXPECT_EQ(f.config.log_path, "/cwd/l");
  EXPECT_EQ(f.config.exit_file, "/cwd/e");
  EXPECT_EQ(f.config.log_max, 0);
  EXPECT_FALSE(f.config.tty);
  EXPECT_FALSE(f.config.open_stdin);
  ASSERT_OK_AND_ASSIGN(
      f, ParseShimFlags(
             {"--id=c1", "--bundle=b", "--runtime-root=r", "--shim-dir=s",
              "--log=l", "--exit-file=e", "--ready-fd=3"},
             "/"));
  EXPECT_EQ(f.bundle, "/b");
}

TEST(ShimFlagsTest, HelpAndVersionNeedNothingElse) {
  ASSERT_OK_AND_ASSIGN(ShimFlags f, ParseShimFlags({"--help"}, "/"));
  EXPECT_TRUE(f.help);
  ASSERT_OK_AND_ASSIGN(f, ParseShimFlags({"--version"}, "/"));
  EXPECT_TRUE(f.version);
}

TEST(ShimFlagsTest, Refused) {
  auto with = [](std::vector<std::string> extra) {
    std::vector<std::string> args = Full();
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  };
  auto without = [](const std::string& flag) {
    std::vector<std::string> args = Full();
    for (size_t i = 0; i < args.size(); ++i) {
      if (args[i] == flag) {
        args.erase(args.begin() + i, args.begin() + i + 2);
        break;
      }
    }
    return args;
  };
  struct Case {
    std::vector<std::string> args;
    const char* message;
  } cases[] = {
      {with({"--nope"}), "unknown flag \"--nope\""},
      {with({"-t"}), "unexpected argument \"-t\""},
      {with({"extra"}), "unexpected argument \"extra\""},
      {with({"--log-max"}), "--log-max: needs a value"},
      {with({"--log-max=-1"}), "--log-max: \"-1\" is not a size"},
      {with({"--log-max=1k"}), "--log-max: \"1k\" is not a size"},
      {with({"--tty=maybe"}), "--tty: \"maybe\" is not true or false"},
      {with({"--ready-fd=x"}), "--ready-fd: \"x\" is not a file descriptor"},
      {with({"--ready-fd=1"}), "--ready-fd: must not be 0, 1 or 2"},
      {without("--id"), "--id: is required"},
      {without("--bundle"), "--bundle: is required"},
      {without("--runtime-root"), "--runtime-root: is required"},
      {without("--shim-dir"), "--shim-dir: is required"},
      {without("--log"), "--log: is required"},
      {without("--exit-file"), "--exit-file: is required"},
      {without("--ready-fd"), "--ready-fd: is required"},
  };
  for (const Case& c : cases) {
    EXPECT_THAT(
        ParseShimFlags(c.args, "/"),
        StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(c.message)))
        << c.message;
  }
}

}  // namespace
}  // namespace crate::cli
