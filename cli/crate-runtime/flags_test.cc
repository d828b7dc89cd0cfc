#include "cli/crate-runtime/flags.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/base/status_matchers.h"

namespace crate::cli {
namespace {

using ::crate::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(FlagsTest, RuncStyles) {
  std::string bundle, pid_file;
  bool detach = false, force = true;
  int fds = 0;
  Flags f;
  f.String("bundle,b", &bundle, "");
  f.String("pid-file", &pid_file, "");
  f.Bool("detach,d", &detach, "");
  f.Bool("force", &force, "");
  f.Int("preserve-fds", &fds, "");
  std::vector<std::string> pos;
  ASSERT_OK(f.Parse({"-b", "/b", "--pid-file=/p", "-d", "id1", "--force=false",
                     "-preserve-fds", "2", "--", "-x"},
                    &pos));
  EXPECT_EQ(bundle, "/b");
  EXPECT_EQ(pid_file, "/p");
  EXPECT_TRUE(detach);
  EXPECT_FALSE(force);
  EXPECT_EQ(fds, 2);
  EXPECT_THAT(pos, ElementsAre("id1", "-x"));
}

TEST(FlagsTest, StopAtPositional) {
  std::string root;
  Flags f;
  f.String("root", &root, "");
  std::vector<std::string> pos;
  ASSERT_OK(f.Parse({"--root", "/r", "create", "--bundle", "b"}, &pos, true));
  EXPECT_EQ(root, "/r");
  EXPECT_THAT(pos, ElementsAre("create", "--bundle", "b"));
}

TEST(FlagsTest, Errors) {
  int n = 0;
  std::string s;
  Flags f;
  f.Int("n", &n, "");
  f.String("s", &s, "");
  std::vector<std::string> pos;
  EXPECT_THAT(f.Parse({"--nope"}, &pos),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("flag provided but not defined: -nope")));
  EXPECT_THAT(f.Parse({"-n", "x"}, &pos),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("invalid value \"x\" for flag -n")));
  EXPECT_THAT(f.Parse({"-s"}, &pos),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("flag needs an argument: -s")));
}

}  // namespace
}  // namespace crate::cli
