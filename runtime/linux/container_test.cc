#include "runtime/linux/container.h"

#include <signal.h>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/base/file_util.h"
#include "runtime/base/status_matchers.h"

namespace crate::linux {
namespace {

using ::crate::testing::StatusIs;
using ::testing::HasSubstr;

TEST(ParseSignalTest, NamesAndNumbers) {
  EXPECT_EQ(*ParseSignal("KILL"), SIGKILL);
  EXPECT_EQ(*ParseSignal("SIGTERM"), SIGTERM);
  EXPECT_EQ(*ParseSignal("term"), SIGTERM);
  EXPECT_EQ(*ParseSignal("9"), 9);
  EXPECT_EQ(*ParseSignal("RTMIN+1"), SIGRTMIN + 1);
  EXPECT_THAT(ParseSignal("SIGNOPE"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("unknown signal \"SIGNOPE\"")));
  EXPECT_THAT(ParseSignal("0"), StatusIs(absl::StatusCode::kInvalidArgument,
                                         HasSubstr("invalid signal")));
}

class CreateErrorsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(tmp_, MakeTempDir("container_test"));
    bundle_ = JoinPath(tmp_, "bundle");
    root_ = JoinPath(tmp_, "root");
    ASSERT_OK(MakeDirs(bundle_));
  }
  void TearDown() override { ASSERT_OK(RemoveTree(tmp_)); }
  absl::Status CreateWith(const std::string& config) {
    EXPECT_OK(WriteFileAtomic(JoinPath(bundle_, "config.json"), config));
    CreateOptions o;
    o.root = root_;
    o.id = "c1";
    o.bundle = bundle_;
    return Create(o).status();
  }
  std::string tmp_, bundle_, root_;
};

TEST_F(CreateErrorsTest, BadConfigLeavesNothingBehind) {
  EXPECT_THAT(
      CreateWith(R"({"ociVersion":"1.1.0","process":{"user":{"uid":0,"gid":0},
        "args":["sh"],"cwd":"/"},"root":{"path":"rootfs"},
        "linux":{"namespaces":[{"type":"foo"}]}})"),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("linux.namespaces[0].type: unknown namespace "
                         "\"foo\"")));
  EXPECT_FALSE(PathExists(JoinPath(root_, "c1")));
}

TEST_F(CreateErrorsTest, MissingRootfs) {
  EXPECT_THAT(
      CreateWith(R"({"ociVersion":"1.1.0","process":{"user":{"uid":0,"gid":0},
        "args":["sh"],"cwd":"/"},"root":{"path":"rootfs"}})"),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("root.path: rootfs \"" + bundle_ +
                         "/rootfs\" is not a directory")));
  EXPECT_FALSE(PathExists(JoinPath(root_, "c1")));
}

TEST_F(CreateErrorsTest, MissingConfig) {
  CreateOptions o;
  o.root = root_;
  o.id = "c1";
  o.bundle = bundle_;
  EXPECT_THAT(Create(o),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("config.json")));
}

TEST(StateTest, MissingContainer) {
  EXPECT_THAT(GetState("/nonexistent-root", "x"),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr("container \"x\" does not exist")));
  EXPECT_OK(Delete("/nonexistent-root", "x", /*force=*/true));
}

}  // namespace
}  // namespace crate::linux
