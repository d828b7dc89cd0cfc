#include "runtime/container/users.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/base/status_matchers.h"

namespace crate::container {
namespace {

using ::crate::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// Alpine's, shortened, with the kinds of lines a real file has.
constexpr char kPasswd[] = R"(root:x:0:0:root:/root:/bin/ash
daemon:x:2:2:daemon:/sbin:/sbin/nologin

# a comment
nobody:x:65534:65534:nobody:/:/sbin/nologin
app:x:1000:1000:App:/home/app:/bin/sh
broken:x:notanumber:0::/:/bin/sh
+nis
short:x:7
dup:x:1001:1001::/first:/bin/sh
dup:x:1002:1002::/second:/bin/sh
)";

constexpr char kGroup[] = R"(root:x:0:root
bin:x:1:root,bin,daemon
daemon:x:2:root,bin,daemon
wheel:x:10:root, app
app:x:1000:
staff:x:50:app,other
audio:x:29
broken:x:abc:app
)";

TEST(ParsePasswdTest, SkipsWhatIsNotAnEntry) {
  std::vector<PasswdEntry> e = ParsePasswd(kPasswd);
  ASSERT_EQ(e.size(), 6u);
  EXPECT_EQ(e[0].name, "root");
  EXPECT_EQ(e[0].home, "/root");
  EXPECT_EQ(e[2].uid, 65534u);
  EXPECT_EQ(e[3].name, "app");
  EXPECT_EQ(e[3].gid, 1000u);
  EXPECT_THAT(ParsePasswd(""), IsEmpty());
}

TEST(ParseGroupTest, ReadsMembers) {
  std::vector<GroupEntry> g = ParseGroup(kGroup);
  ASSERT_EQ(g.size(), 7u);
  EXPECT_THAT(g[1].members, ElementsAre("root", "bin", "daemon"));
  EXPECT_THAT(g[3].members, ElementsAre("root", "app"));
  EXPECT_THAT(g[4].members, IsEmpty());
  EXPECT_EQ(g[6].name, "audio");
  EXPECT_THAT(g[6].members, IsEmpty());
}

struct UserCase {
  const char* spec;
  uint32_t uid;
  uint32_t gid;
  std::vector<uint32_t> additional;
  const char* home;
};

class ResolveUserTest : public ::testing::TestWithParam<UserCase> {};

TEST_P(ResolveUserTest, Resolves) {
  const UserCase& c = GetParam();
  ASSERT_OK_AND_ASSIGN(ResolvedUser u, ResolveUser(c.spec, kPasswd, kGroup));
  EXPECT_EQ(u.uid, c.uid);
  EXPECT_EQ(u.gid, c.gid);
  EXPECT_EQ(u.additional_gids, c.additional);
  EXPECT_EQ(u.home, c.home);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ResolveUserTest,
    ::testing::Values(
        // No user: root, with root's groups, as docker gives them.
        UserCase{"", 0, 0, {0, 1, 2, 10}, "/root"},
        UserCase{"root", 0, 0, {0, 1, 2, 10}, "/root"},
        UserCase{"app", 1000, 1000, {10, 50}, "/home/app"},
        // A number found in /etc/passwd is that user, groups and all.
        UserCase{"1000", 1000, 1000, {10, 50}, "/home/app"},
        // A number that is not there runs with gid 0 and no groups.
        UserCase{"4242", 4242, 0, {}, "/"},
        UserCase{"app:staff", 1000, 50, {}, "/home/app"},
        UserCase{"app:0", 1000, 0, {}, "/home/app"},
        UserCase{"1000:50", 1000, 50, {}, "/home/app"},
        UserCase{"4242:4343", 4242, 4343, {}, "/"},
        UserCase{"4242:wheel", 4242, 10, {}, "/"},
        // The first of two entries wins.
        UserCase{"dup", 1001, 1001, {}, "/first"},
        UserCase{"daemon", 2, 2, {1, 2}, "/sbin"}));

TEST(ResolveUserTest, NumbersNeedNoFiles) {
  ASSERT_OK_AND_ASSIGN(ResolvedUser u, ResolveUser("1000:1000", "", ""));
  EXPECT_EQ(u.uid, 1000u);
  EXPECT_EQ(u.gid, 1000u);
  ASSERT_OK_AND_ASSIGN(ResolvedUser root, ResolveUser("", "", ""));
  EXPECT_EQ(root.uid, 0u);
  EXPECT_THAT(root.additional_gids, IsEmpty());
}

TEST(ResolveUserTest, UnknownNamesAreNamed) {
  EXPECT_THAT(ResolveUser("bob", kPasswd, kGroup),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "user \"bob\" is not in the image's /etc/passwd"));
  EXPECT_THAT(ResolveUser("bob", "", ""),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("(the image has none)")));
  EXPECT_THAT(ResolveUser("app:nogroup", kPasswd, kGroup),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "group \"nogroup\" is not in the image's /etc/group"));
  // A line that did not parse is not a match.
  EXPECT_THAT(
      ResolveUser("broken", kPasswd, kGroup),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("\"broken\"")));
}

TEST(ResolveUserTest, RefusesMalformedSpecs) {
  EXPECT_THAT(ResolveUser("a:b:c", kPasswd, kGroup),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("too many colons")));
  EXPECT_THAT(ResolveUser(":staff", kPasswd, kGroup),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("no user before the colon")));
  EXPECT_THAT(ResolveUser("app:", kPasswd, kGroup),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("no group after the colon")));
  EXPECT_THAT(ResolveUser("2147483648", kPasswd, kGroup),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "uid 2147483648 is out of range (0 to 2147483647)"));
  EXPECT_THAT(ResolveUser("1:99999999999999999999", kPasswd, kGroup),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("gid 99999999999999999999 is out of range")));
}

}  // namespace
}  // namespace crate::container
