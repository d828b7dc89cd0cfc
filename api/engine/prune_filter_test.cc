#include "api/engine/prune_filter.h"

#include "gtest/gtest.h"
#include "runtime/base/status_matchers.h"

using ::crate::testing::StatusIs;
using ::testing::_;

namespace crate::engine {
namespace {

const absl::Time kNow = absl::FromUnixSeconds(1700000000);

// The time parsed, or InfiniteFuture when it was refused.
absl::Time Parsed(absl::string_view text) {
  absl::StatusOr<absl::Time> t = ParseFilterTime(text, kNow);
  return t.ok() ? *t : absl::InfiniteFuture();
}

TEST(ParseFilterTimeTest, DockersForms) {
  EXPECT_EQ(Parsed("24h"), (kNow - absl::Hours(24)));
  EXPECT_EQ(Parsed("1h30m"), (kNow - absl::Minutes(90)));
  EXPECT_EQ(Parsed("1600000000"), (absl::FromUnixSeconds(1600000000)));
  EXPECT_EQ(Parsed("1600000000.5"), (absl::FromUnixMillis(1600000000500)));
  EXPECT_EQ(Parsed("2023-11-14T22:13:20Z"), (kNow));
  EXPECT_EQ(Parsed("2023-11-14T23:13:20+01:00"), (kNow));
  EXPECT_EQ(Parsed("2023-11-14"), (absl::FromUnixSeconds(1699920000)));
  EXPECT_EQ(Parsed("yesterday"), absl::InfiniteFuture());
  EXPECT_EQ(Parsed("-1"), absl::InfiniteFuture());
}

TEST(ParsePruneFiltersTest, KeysAndErrors) {
  ASSERT_OK_AND_ASSIGN(
      PruneFilter f,
      ParsePruneFilters({"until=1h", "label=a", "label=b=c", "label!=d"},
                        kNow));
  EXPECT_EQ(f.until, kNow - absl::Hours(1));
  EXPECT_EQ(f.labels, (std::vector<std::string>{"a", "b=c"}));
  EXPECT_EQ(f.not_labels, (std::vector<std::string>{"d"}));
  for (const char* bad : {"dangling=true", "label", "label=", "until=", "x"}) {
    absl::StatusOr<PruneFilter> r = ParsePruneFilters({bad}, kNow);
    EXPECT_THAT(r, StatusIs(absl::StatusCode::kInvalidArgument, _)) << bad;
    if (!r.ok()) {
      EXPECT_NE(r.status().message().find(bad), absl::string_view::npos);
    }
  }
}

TEST(PruneFilterTest, Matches) {
  const std::map<std::string, std::string> labels = {{"env", "test"},
                                                     {"team", "a"}};
  PruneFilter none;
  EXPECT_TRUE(none.Matches(kNow, labels));

  PruneFilter until;
  until.until = kNow;
  EXPECT_TRUE(until.Matches(kNow - absl::Seconds(1), labels));
  EXPECT_FALSE(until.Matches(kNow, labels));
  EXPECT_TRUE(until.Matches(absl::InfinitePast(), labels));

  PruneFilter with;
  with.labels = {"env", "team=a"};
  EXPECT_TRUE(with.Matches(kNow, labels));
  with.labels = {"env=prod"};
  EXPECT_FALSE(with.Matches(kNow, labels));

  PruneFilter without;
  without.not_labels = {"env=test"};
  EXPECT_FALSE(without.Matches(kNow, labels));
  EXPECT_TRUE(without.Matches(kNow, {}));
  // docker skips only what every label! filter names.
  without.not_labels = {"env", "keep"};
  EXPECT_TRUE(without.Matches(kNow, labels));
}

}  // namespace
}  // namespace crate::engine
