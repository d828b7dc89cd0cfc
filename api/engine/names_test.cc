#include "api/engine/names.h"

#include <set>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/base/status_matchers.h"

namespace crate::engine {
namespace {

using ::crate::testing::IsOk;
using ::crate::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Not;

TEST(NamesTest, ContainerNamesFollowDockersRule) {
  for (const char* ok : {"web", "w", "0", "a_b.c-d", "Web2", "x--"}) {
    EXPECT_OK(ValidateContainerName(ok)) << ok;
  }
  for (const char* bad :
       {"", "_web", ".web", "-web", "we b", "a/b", "é", "web:1", "..", "."}) {
    EXPECT_THAT(ValidateContainerName(bad),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         HasSubstr("only [a-zA-Z0-9][a-zA-Z0-9_.-] are "
                                   "allowed")))
        << bad;
  }
  EXPECT_THAT(ValidateContainerName("a b"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("invalid container name \"a b\"")));
  EXPECT_OK(ValidateContainerName(std::string(kMaxNameLength, 'a')));
  EXPECT_THAT(ValidateContainerName(std::string(kMaxNameLength + 1, 'a')),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("longer than 255")));
}

TEST(NamesTest, VolumeNamesNeedTwoCharacters) {
  EXPECT_OK(ValidateVolumeName("db"));
  EXPECT_OK(ValidateVolumeName("my-vol_1.2"));
  EXPECT_THAT(ValidateVolumeName("d"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("at least two characters")));
  EXPECT_THAT(ValidateVolumeName("_db"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("invalid volume name \"_db\"")));
  // A path is a bind mount, and the message says so.
  EXPECT_THAT(
      ValidateVolumeName("/srv/data"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("absolute path")));
  EXPECT_THAT(ValidateVolumeName("db"), IsOk());
  EXPECT_THAT(ValidateVolumeName(".."), Not(IsOk()));
}

TEST(NamesTest, RandomNamesLookLikeDockers) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    ASSERT_OK_AND_ASSIGN(std::string name, RandomContainerName());
    EXPECT_THAT(name, MatchesRegex("[a-z]+_[a-z]+"));
    EXPECT_OK(ValidateContainerName(name));
    seen.insert(name);
  }
  EXPECT_GT(seen.size(), 50u);  // ~4,000 combinations
  ASSERT_OK_AND_ASSIGN(std::string retry, RandomContainerName(1));
  EXPECT_THAT(retry, MatchesRegex("[a-z]+_[a-z]+[0-9]"));
}

}  // namespace
}  // namespace crate::engine
