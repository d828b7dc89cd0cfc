#include "api/engine/ids.h"

#include <set>
#include <string>

#include "absl/strings/ascii.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/base/status_matchers.h"

namespace crate::engine {
namespace {

TEST(IdsTest, NewIdsAreFullAndDistinct) {
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) {
    ASSERT_OK_AND_ASSIGN(std::string id, NewId());
    EXPECT_TRUE(IsFullId(id)) << id;
    EXPECT_TRUE(seen.insert(id).second) << id;
    // Never a short ID a reader would take for a number.
    bool all_digits = true;
    for (char c : ShortId(id))
      all_digits = all_digits && absl::ascii_isdigit(c);
    EXPECT_FALSE(all_digits) << id;
  }
}

TEST(IdsTest, FullIdsAndPrefixes) {
  std::string id(64, 'a');
  EXPECT_TRUE(IsFullId(id));
  EXPECT_FALSE(IsFullId(id.substr(1)));
  EXPECT_FALSE(IsFullId(std::string(64, 'A')));  // lowercase only
  EXPECT_FALSE(IsFullId(std::string(64, 'g')));
  EXPECT_TRUE(IsIdPrefix("0"));
  EXPECT_TRUE(IsIdPrefix("abc123"));
  EXPECT_FALSE(IsIdPrefix(""));
  EXPECT_FALSE(IsIdPrefix("web"));
  EXPECT_FALSE(IsIdPrefix(id + "a"));
  EXPECT_EQ(ShortId("0123456789abcdef"), "0123456789ab");
  EXPECT_EQ(ShortId("abc"), "abc");
}

}  // namespace
}  // namespace crate::engine
