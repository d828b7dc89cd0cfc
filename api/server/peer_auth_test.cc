#include "api/server/peer_auth.h"

#include <sys/socket.h>
#include <unistd.h>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/base/status_matchers.h"

namespace crate::server {
namespace {

using ::testing::HasSubstr;

TEST(DenyReasonTest, RootOwnerAndGroupMembersMayCall) {
  SocketAccess access{1000, 990};
  EXPECT_EQ(DenyReason({1, 0, 0, {}}, access), "");
  EXPECT_EQ(DenyReason({1, 1000, 1000, {}}, access), "");
  EXPECT_EQ(DenyReason({1, 1001, 990, {}}, access), "");
  EXPECT_EQ(DenyReason({1, 1001, 1001, {20, 990}}, access), "");
  EXPECT_THAT(DenyReason({1, 1001, 1001, {20}}, access),
              HasSubstr("uid 1001 may not use this crated"));
}

TEST(PeerCredOfTest, ReadsTheKernelsWordAndTheGroups) {
  int sv[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
  ASSERT_OK_AND_ASSIGN(PeerCred peer, PeerCredOf(sv[0]));
  EXPECT_EQ(peer.pid, getpid());
  EXPECT_EQ(peer.uid, geteuid());
  EXPECT_EQ(peer.gid, getegid());
  std::vector<gid_t> groups(getgroups(0, nullptr));
  ASSERT_EQ(getgroups(groups.size(), groups.data()),
            static_cast<int>(groups.size()));
  EXPECT_EQ(peer.groups.size(), groups.size());
  close(sv[0]);
  close(sv[1]);
}

}  // namespace
}  // namespace crate::server
