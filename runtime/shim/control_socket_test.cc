#include "runtime/shim/control_socket.h"

#include <sys/socket.h>
#include <sys/stat.h>

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/base/file_util.h"
#include "runtime/base/status_matchers.h"
#include "runtime/shim/protocol.h"

namespace crate::shim {
namespace {

using ::crate::testing::StatusIs;
using ::testing::HasSubstr;

class ControlSocketTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(dir_, MakeTempDir("control_socket_test"));
    path_ = JoinPath(dir_, "shim.sock");
  }
  void TearDown() override { RemoveTree(dir_).IgnoreError(); }

  std::string dir_, path_;
};

TEST_F(ControlSocketTest, ListensWithMode0600AndCarriesMessages) {
  mode_t old = umask(0);  // the socket's own mode, whatever the umask
  absl::StatusOr<UniqueFd> listener = ListenControlSocket(path_);
  umask(old);
  ASSERT_OK(listener.status());
  struct stat st;
  ASSERT_EQ(stat(path_.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0600u);

  ASSERT_OK_AND_ASSIGN(UniqueFd client, ConnectControlSocket(path_));
  UniqueFd server;
  for (int i = 0; i < 100 && !server; ++i) {
    server.Reset(accept4(listener->get(), nullptr, nullptr, SOCK_CLOEXEC));
    if (!server) usleep(1000);
  }
  ASSERT_TRUE(server);
  ASSERT_OK(SendMessage(client.get(), {{"op", "state"}}));
  ASSERT_OK_AND_ASSIGN(nlohmann::json m,
                       ReceiveMessage(server.get(), absl::Seconds(5)));
  EXPECT_EQ(m["op"], "state");
}

TEST_F(ControlSocketTest, AStaleSocketIsReplacedALiveOneIsNot) {
  {
    ASSERT_OK_AND_ASSIGN(UniqueFd dead, ListenControlSocket(path_));
  }  // closed: the file stays, nobody answers
  ASSERT_TRUE(PathExists(path_));
  EXPECT_THAT(ConnectControlSocket(path_),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr(path_)));
  ASSERT_OK_AND_ASSIGN(UniqueFd live, ListenControlSocket(path_));
  EXPECT_THAT(
      ListenControlSocket(path_),
      StatusIs(absl::StatusCode::kAlreadyExists, HasSubstr("another shim")));
  EXPECT_OK(ConnectControlSocket(path_).status());
}

// A run directory deep enough (or a 64-hex container ID) that the path
// does not fit sun_path: reached through the directory's fd.
TEST_F(ControlSocketTest, APathLongerThanSunPathStillWorks) {
  std::string deep = JoinPath(dir_, std::string(90, 'd'));
  ASSERT_OK(MakeDirs(deep));
  std::string path = JoinPath(deep, "shim.sock");
  ASSERT_GT(path.size(), 108u);
  ASSERT_OK_AND_ASSIGN(UniqueFd live, ListenControlSocket(path));
  EXPECT_TRUE(PathExists(path));
  EXPECT_OK(ConnectControlSocket(path).status());
}

TEST_F(ControlSocketTest, BadPaths) {
  EXPECT_THAT(
      ListenControlSocket(std::string(200, 'x')),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("too long")));
  EXPECT_THAT(ConnectControlSocket(JoinPath(dir_, "none")),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("none")));
  EXPECT_THAT(ListenControlSocket(JoinPath(dir_, "no/such/dir/s")),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("bind")));
}

}  // namespace
}  // namespace crate::shim
