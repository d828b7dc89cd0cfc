#include "runtime/container/command.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/base/status_matchers.h"

namespace crate::container {
namespace {

using ::crate::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using Strings = std::vector<std::string>;

struct ArgsCase {
  const char* name;
  Strings image_entrypoint;
  Strings image_cmd;
  absl::optional<Strings> entrypoint;
  Strings cmd;
  Strings want;  // empty: "no command specified"
};

class ProcessArgsTest : public ::testing::TestWithParam<ArgsCase> {};

TEST_P(ProcessArgsTest, FollowsDockersRules) {
  const ArgsCase& c = GetParam();
  ImageConfig image;
  image.entrypoint = c.image_entrypoint;
  image.cmd = c.image_cmd;
  Options options;
  options.entrypoint = c.entrypoint;
  options.cmd = c.cmd;
  absl::StatusOr<Strings> args = ProcessArgs(image, options);
  if (c.want.empty()) {
    EXPECT_THAT(args, StatusIs(absl::StatusCode::kInvalidArgument,
                               "no command specified"));
  } else {
    ASSERT_OK(args);
    EXPECT_EQ(*args, c.want);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ProcessArgsTest,
    ::testing::Values(
        ArgsCase{"ImageCmd", {}, {"sh"}, absl::nullopt, {}, {"sh"}},
        ArgsCase{"ImageBoth",
                 {"/entry.sh"},
                 {"serve"},
                 absl::nullopt,
                 {},
                 {"/entry.sh", "serve"}},
        ArgsCase{"CmdReplacesImageCmd",
                 {"/entry.sh"},
                 {"serve"},
                 absl::nullopt,
                 {"migrate", "--all"},
                 {"/entry.sh", "migrate", "--all"}},
        ArgsCase{"EntrypointDropsImageCmd",
                 {"/entry.sh"},
                 {"serve"},
                 Strings{"/bin/sh", "-c"},
                 {},
                 {"/bin/sh", "-c"}},
        ArgsCase{"EntrypointAndCmd",
                 {"/entry.sh"},
                 {"serve"},
                 Strings{"/bin/sh", "-c"},
                 {"echo hi"},
                 {"/bin/sh", "-c", "echo hi"}},
        ArgsCase{"ClearedEntrypointRunsCmd",
                 {"/entry.sh"},
                 {"serve"},
                 Strings{""},
                 {"ls", "/"},
                 {"ls", "/"}},
        ArgsCase{"ClearedByEmptyList",
                 {"/entry.sh"},
                 {"serve"},
                 Strings{},
                 {"ls"},
                 {"ls"}},
        ArgsCase{"ClearedEntrypointAndNoCmd",
                 {"/entry.sh"},
                 {"serve"},
                 Strings{""},
                 {},
                 {}},
        ArgsCase{"NothingAtAll", {}, {}, absl::nullopt, {}, {}},
        ArgsCase{"EmptyProgram", {}, {""}, absl::nullopt, {}, {}}),
    [](const ::testing::TestParamInfo<ArgsCase>& info) {
      return std::string(info.param.name);
    });

TEST(ProcessArgsTest, RefusesNulBytes) {
  ImageConfig image;
  Options options;
  options.cmd = {"echo", std::string("a\0b", 3)};
  EXPECT_THAT(ProcessArgs(image, options),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("contains a NUL byte")));
}

TEST(ProcessEnvTest, DefaultsThenImageThenUser) {
  ImageConfig image;
  image.env = {"LANG=C.UTF-8", "APP=image", "EMPTY="};
  ASSERT_OK_AND_ASSIGN(Strings env,
                       ProcessEnv(image, {"APP=user", "NEW=1"}, "abc", false));
  EXPECT_THAT(env,
              ElementsAre(std::string("PATH=") + kDefaultPath, "HOSTNAME=abc",
                          "LANG=C.UTF-8", "APP=user", "EMPTY=", "NEW=1"));
}

TEST(ProcessEnvTest, ImagePathAndTerminal) {
  ImageConfig image;
  image.env = {"PATH=/opt/bin:/bin"};
  ASSERT_OK_AND_ASSIGN(Strings env, ProcessEnv(image, {}, "abc", true));
  EXPECT_THAT(env,
              ElementsAre("PATH=/opt/bin:/bin", "HOSTNAME=abc", "TERM=xterm"));
  // The user's word is last, over the defaults too.
  ASSERT_OK_AND_ASSIGN(
      env,
      ProcessEnv(image, {"TERM=dumb", "HOSTNAME=x", "PATH=/u"}, "abc", true));
  EXPECT_THAT(env, ElementsAre("PATH=/u", "HOSTNAME=x", "TERM=dumb"));
}

TEST(ProcessEnvTest, OnlyKeyValue) {
  EXPECT_THAT(ProcessEnv({}, {"HOME"}, "h", false),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("--env: \"HOME\" is not KEY=value (a "
                                 "variable taken from the client's")));
  EXPECT_THAT(ProcessEnv({}, {"=x"}, "h", false),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("--env: \"=x\" is not KEY=value")));
  ImageConfig image;
  image.env = {"BROKEN"};
  EXPECT_THAT(ProcessEnv(image, {}, "h", false),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "image config Env: \"BROKEN\" is not KEY=value"));
  EXPECT_THAT(ProcessEnv({}, {std::string("A=\0", 3)}, "h", false),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("--env: \"A=\\x00\" contains a NUL byte")));
}

TEST(WorkingDirTest, OptionThenImageThenRoot) {
  ImageConfig image;
  Options options;
  ASSERT_OK_AND_ASSIGN(std::string dir, WorkingDir(image, options));
  EXPECT_EQ(dir, "/");
  image.working_dir = "/app/";
  ASSERT_OK_AND_ASSIGN(dir, WorkingDir(image, options));
  EXPECT_EQ(dir, "/app");
  options.working_dir = "/srv//x/.";
  ASSERT_OK_AND_ASSIGN(dir, WorkingDir(image, options));
  EXPECT_EQ(dir, "/srv/x");
}

TEST(WorkingDirTest, MustBeAbsolute) {
  ImageConfig image;
  Options options;
  options.working_dir = "app";
  EXPECT_THAT(WorkingDir(image, options),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "--workdir: \"app\" is not an absolute path"));
  options.working_dir.clear();
  image.working_dir = "app";
  EXPECT_THAT(WorkingDir(image, options),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("image config WorkingDir: \"app\"")));
}

}  // namespace
}  // namespace crate::container
