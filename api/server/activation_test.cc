#include "api/server/activation.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/base/file_util.h"
#include "runtime/base/status_matchers.h"

namespace crate::server {
namespace {

using ::crate::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

TEST(InheritedSocketsTest, SystemdVariables) {
  EXPECT_THAT(*InheritedSockets({42, "42", "2"}), ElementsAre(3, 4));
  // Absent, or meant for the process that exec'd us.
  EXPECT_THAT(*InheritedSockets({42, nullptr, nullptr}), IsEmpty());
  EXPECT_THAT(*InheritedSockets({42, "41", "2"}), IsEmpty());
  EXPECT_THAT(InheritedSockets({42, "x", "2"}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("LISTEN_PID: not a pid: \"x\"")));
  EXPECT_THAT(
      InheritedSockets({42, "42", "-1"}),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("LISTEN_FDS")));
}

class ListenUnixTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(dir_, MakeTempDir("activation_test"));
  }
  void TearDown() override { ASSERT_OK(RemoveTree(dir_)); }
  std::string dir_;
};

TEST_F(ListenUnixTest, BindsWithItsModeAndReplacesAStaleSocket) {
  std::string path = JoinPath(dir_, "run/crate.sock");
  {
    ASSERT_OK_AND_ASSIGN(UniqueFd fd, ListenUnix({path, 0660, ""}));
    struct stat st;
    ASSERT_EQ(stat(path.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0660u);
    EXPECT_TRUE(S_ISSOCK(st.st_mode));
    EXPECT_EQ(*UnixSocketPath(fd.get()), path);
    // A live service on it: refused.
    EXPECT_THAT(ListenUnix({path, 0660, ""}),
                StatusIs(absl::StatusCode::kAlreadyExists, HasSubstr(path)));
  }
  // The listener is closed, its file stays: stale, replaced.
  ASSERT_TRUE(PathExists(path));
  EXPECT_OK(ListenUnix({path, 0660, ""}).status());
}

TEST_F(ListenUnixTest, TooLongAPath) {
  EXPECT_THAT(ListenUnix({JoinPath(dir_, std::string(120, 'x')), 0660, ""}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("is longer than")));
}

}  // namespace
}  // namespace crate::server
