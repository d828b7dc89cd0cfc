#include "runtime/oci/state.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/base/status_matchers.h"

namespace crate::oci {
namespace {

using ::crate::testing::IsOk;
using ::crate::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Not;

TEST(StateTest, RoundTrips) {
  State s;
  s.id = "abc";
  s.status = ContainerStatus::kRunning;
  s.pid = 42;
  s.bundle = "/b";
  s.annotations["k"] = "v";
  std::string json = StateToJson(s);
  EXPECT_THAT(json, HasSubstr("\"status\": \"running\""));
  ASSERT_OK_AND_ASSIGN(State back, ParseState(json));
  EXPECT_EQ(back.id, "abc");
  EXPECT_EQ(back.status, ContainerStatus::kRunning);
  EXPECT_EQ(back.pid, 42);
  EXPECT_EQ(back.bundle, "/b");
  EXPECT_EQ(back.annotations.at("k"), "v");
  EXPECT_EQ(back.oci_version, "1.1.0");
}

TEST(StateTest, StoppedHasNoPid) {
  State s;
  s.id = "x";
  s.status = ContainerStatus::kStopped;
  EXPECT_THAT(StateToJson(s, false), Not(HasSubstr("pid")));
}

TEST(StateTest, RejectsBadStatus) {
  EXPECT_THAT(
      ParseState(R"({"ociVersion":"1.1.0","id":"a","status":"zombie"})"),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("status: unknown status \"zombie\"")));
  EXPECT_THAT(
      ParseState(R"({"ociVersion":"1.1.0","status":"created"})"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("id: required")));
}

TEST(StateTest, ContainerIds) {
  EXPECT_OK(ValidateContainerId("abc-1_2.3"));
  EXPECT_THAT(ValidateContainerId(""), Not(IsOk()));
  EXPECT_THAT(ValidateContainerId(".."), Not(IsOk()));
  EXPECT_THAT(ValidateContainerId("a/b"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("invalid container ID \"a/b\"")));
}

}  // namespace
}  // namespace crate::oci
