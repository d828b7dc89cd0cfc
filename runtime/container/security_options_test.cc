#include "runtime/container/security_options.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/base/status_matchers.h"

namespace crate::container {
namespace {

using ::crate::testing::StatusIs;
using ::testing::HasSubstr;

TEST(ParseSecurityOptionsTest, NothingGiven) {
  ASSERT_OK_AND_ASSIGN(SecurityOptions s, ParseSecurityOptions({}));
  EXPECT_FALSE(s.no_new_privileges);
  EXPECT_FALSE(s.seccomp_unconfined);
  EXPECT_EQ(s.seccomp_profile, "");
  EXPECT_FALSE(s.apparmor_profile.has_value());
  EXPECT_FALSE(s.systempaths_unconfined);
}

TEST(ParseSecurityOptionsTest, NoNewPrivilegesSpellings) {
  for (const char* opt : {"no-new-privileges", "no-new-privileges=true",
                          "no-new-privileges:true"}) {
    ASSERT_OK_AND_ASSIGN(SecurityOptions s, ParseSecurityOptions({opt}));
    EXPECT_TRUE(s.no_new_privileges) << opt;
  }
  ASSERT_OK_AND_ASSIGN(
      SecurityOptions s,
      ParseSecurityOptions({"no-new-privileges", "no-new-privileges=false"}));
  EXPECT_FALSE(s.no_new_privileges);
  EXPECT_THAT(ParseSecurityOptions({"no-new-privileges=yes"}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("--security-opt \"no-new-privileges=yes\"")));
}

TEST(ParseSecurityOptionsTest, Seccomp) {
  ASSERT_OK_AND_ASSIGN(SecurityOptions s,
                       ParseSecurityOptions({"seccomp=unconfined"}));
  EXPECT_TRUE(s.seccomp_unconfined);
  // The profile's own colons and equals signs stay in it.
  const std::string profile = R"({"defaultAction": "SCMP_ACT_ALLOW"})";
  ASSERT_OK_AND_ASSIGN(s, ParseSecurityOptions({"seccomp=" + profile}));
  EXPECT_FALSE(s.seccomp_unconfined);
  EXPECT_EQ(s.seccomp_profile, profile);
  ASSERT_OK_AND_ASSIGN(s, ParseSecurityOptions({"seccomp:" + profile}));
  EXPECT_EQ(s.seccomp_profile, profile);
  ASSERT_OK_AND_ASSIGN(
      s, ParseSecurityOptions({"seccomp=unconfined", "seccomp=builtin"}));
  EXPECT_FALSE(s.seccomp_unconfined);
  EXPECT_EQ(s.seccomp_profile, "");
  EXPECT_THAT(ParseSecurityOptions({"seccomp="}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("needs a profile")));
}

TEST(ParseSecurityOptionsTest, AppArmorLabelSystemPaths) {
  ASSERT_OK_AND_ASSIGN(
      SecurityOptions s,
      ParseSecurityOptions(
          {"apparmor=my-profile", "label=disable", "systempaths=unconfined"}));
  EXPECT_EQ(s.apparmor_profile, "my-profile");
  EXPECT_TRUE(s.label_disable);
  EXPECT_TRUE(s.systempaths_unconfined);
  ASSERT_OK_AND_ASSIGN(s, ParseSecurityOptions({"apparmor:unconfined"}));
  EXPECT_EQ(s.apparmor_profile, "unconfined");
}

TEST(ParseSecurityOptionsTest, RefusesWhatItCannotDo) {
  EXPECT_THAT(ParseSecurityOptions({"label=type:svirt_apache_t"}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("only label=disable is")));
  EXPECT_THAT(ParseSecurityOptions({"systempaths=confined"}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("want systempaths=unconfined")));
  EXPECT_THAT(ParseSecurityOptions({"apparmor="}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("needs a profile")));
  EXPECT_THAT(
      ParseSecurityOptions({"turbo=on"}),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("--security-opt \"turbo=on\": unknown option")));
}

}  // namespace
}  // namespace crate::container
