#include "cli/crate/humanize.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace crate::cli {
namespace {

TEST(HumanDurationTest, MatchesGoUnits) {
  EXPECT_EQ(HumanDuration(absl::Milliseconds(500)), "Less than a second");
  EXPECT_EQ(HumanDuration(absl::Seconds(1)), "1 second");
  EXPECT_EQ(HumanDuration(absl::Seconds(3)), "3 seconds");
  EXPECT_EQ(HumanDuration(absl::Seconds(59)), "59 seconds");
  EXPECT_EQ(HumanDuration(absl::Seconds(60)), "About a minute");
  EXPECT_EQ(HumanDuration(absl::Minutes(2)), "2 minutes");
  EXPECT_EQ(HumanDuration(absl::Minutes(59)), "59 minutes");
  // Hours round to the nearest.
  EXPECT_EQ(HumanDuration(absl::Minutes(60)), "About an hour");
  EXPECT_EQ(HumanDuration(absl::Minutes(89)), "About an hour");
  EXPECT_EQ(HumanDuration(absl::Minutes(90)), "2 hours");
  EXPECT_EQ(HumanDuration(absl::Hours(47)), "47 hours");
  EXPECT_EQ(HumanDuration(absl::Hours(48)), "2 days");
  EXPECT_EQ(HumanDuration(absl::Hours(24 * 13)), "13 days");
  EXPECT_EQ(HumanDuration(absl::Hours(24 * 14)), "2 weeks");
  EXPECT_EQ(HumanDuration(absl::Hours(24 * 60)), "2 months");
  EXPECT_EQ(HumanDuration(absl::Hours(24 * 365 * 2)), "2 years");
  EXPECT_EQ(HumanDuration(-absl::Seconds(5)), "Less than a second");
}

TEST(HumanSizeTest, ThreeSignificantDecimalDigits) {
  EXPECT_EQ(HumanSize(0), "0B");
  EXPECT_EQ(HumanSize(123), "123B");
  EXPECT_EQ(HumanSize(1234), "1.23kB");
  EXPECT_EQ(HumanSize(4261234), "4.26MB");
  EXPECT_EQ(HumanSize(1000000), "1MB");
  EXPECT_EQ(HumanSize(1.1e9), "1.1GB");
  // go-units' HumanSize (precision 4), as system df prints it.
  EXPECT_EQ(HumanSizeWithPrecision(102400, 4), "102.4kB");
  EXPECT_EQ(HumanSizeWithPrecision(4261234, 4), "4.261MB");
  EXPECT_EQ(HumanSizeWithPrecision(0, 4), "0B");
  EXPECT_EQ(HumanSizeWithPrecision(999, 4), "999B");
}

TEST(BytesSizeTest, FourSignificantBinaryDigits) {
  EXPECT_EQ(BytesSize(1024), "1KiB");
  EXPECT_EQ(BytesSize(2087354368.0), "1.944GiB");
}

TEST(ParseMemoryBytesTest, BinaryUnits) {
  EXPECT_EQ(*ParseMemoryBytes("1024"), 1024);
  EXPECT_EQ(*ParseMemoryBytes("512m"), 512ll << 20);
  EXPECT_EQ(*ParseMemoryBytes("512M"), 512ll << 20);
  EXPECT_EQ(*ParseMemoryBytes("1.5g"), 3ll << 29);
  EXPECT_EQ(*ParseMemoryBytes("2GiB"), 2ll << 30);
  EXPECT_EQ(*ParseMemoryBytes("64 kb"), 64 << 10);
  EXPECT_EQ(*ParseMemoryBytes("10b"), 10);
}

TEST(ParseMemoryBytesTest, RefusesWhatIsNotASize) {
  for (const char* bad : {"", "m", "12x", "-1", "1..5m", "1.", "5mm"}) {
    absl::StatusOr<int64_t> v = ParseMemoryBytes(bad);
    EXPECT_FALSE(v.ok()) << bad;
    if (!v.ok()) {
      EXPECT_THAT(std::string(v.status().message()),
                  ::testing::HasSubstr("invalid size"));
    }
  }
}

TEST(TimeFormatTest, GoLayouts) {
  absl::Time t =
      absl::FromUnixNanos(1704207845123400000);  // 2024-01-02T15:04:05.1234Z
  EXPECT_EQ(Rfc3339Nano(t), "2024-01-02T15:04:05.1234Z");
  EXPECT_EQ(Rfc3339NanoFixed(t), "2024-01-02T15:04:05.123400000Z");
  EXPECT_EQ(Rfc3339Nano(absl::FromUnixSeconds(1704207845)),
            "2024-01-02T15:04:05Z");
  EXPECT_EQ(Rfc3339Nano(absl::InfinitePast()), "0001-01-01T00:00:00Z");
  EXPECT_EQ(FromApiNanos(0), absl::InfinitePast());
}

TEST(ParseSinceTest, DurationsTimestampsAndDates) {
  absl::Time now = absl::FromUnixSeconds(1704207845);
  EXPECT_EQ(*ParseSince("10m", now), now - absl::Minutes(10));
  EXPECT_EQ(*ParseSince("1h30m", now), now - absl::Minutes(90));
  EXPECT_EQ(*ParseSince("1704207000", now), absl::FromUnixSeconds(1704207000));
  EXPECT_EQ(*ParseSince("1704207000.5", now),
            absl::FromUnixMillis(1704207000500));
  EXPECT_EQ(*ParseSince("2024-01-02T15:04:05Z", now), now);
  EXPECT_EQ(*ParseSince("2024-01-02T16:04:05+01:00", now), now);
  EXPECT_TRUE(ParseSince("2024-01-02", now).ok());
  EXPECT_FALSE(ParseSince("yesterday", now).ok());
}

}  // namespace
}  // namespace crate::cli
