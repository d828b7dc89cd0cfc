#include "runtime/shim/timestamp.h"

#include "absl/time/civil_time.h"
#include "gtest/gtest.h"

namespace crate::shim {
namespace {

absl::Time At(int y, int mo, int d, int h, int mi, int s, int64_t ns) {
  return absl::FromCivil(absl::CivilSecond(y, mo, d, h, mi, s),
                         absl::UTCTimeZone()) +
         absl::Nanoseconds(ns);
}

TEST(TimestampTest, FormatsNineDigitsInUtc) {
  EXPECT_EQ(FormatTimestamp(At(2016, 10, 6, 0, 17, 9, 669794202)),
            "2016-10-06T00:17:09.669794202Z");
  EXPECT_EQ(FormatTimestamp(At(2024, 2, 29, 23, 59, 59, 0)),
            "2024-02-29T23:59:59.000000000Z");
  EXPECT_EQ(FormatTimestamp(absl::UnixEpoch() + absl::Nanoseconds(5)),
            "1970-01-01T00:00:00.000000005Z");
}

TEST(TimestampTest, RoundTrips) {
  absl::Time t = At(2016, 10, 6, 0, 17, 9, 669794202);
  absl::Time got;
  ASSERT_TRUE(ParseTimestamp(FormatTimestamp(t), &got));
  EXPECT_EQ(got, t);
}

TEST(TimestampTest, ParsesOtherRfc3339Forms) {
  absl::Time got;
  // Go's RFC3339Nano drops trailing zeros, and may have no fraction.
  ASSERT_TRUE(ParseTimestamp("2016-10-06T00:17:09.5Z", &got));
  EXPECT_EQ(got, At(2016, 10, 6, 0, 17, 9, 500000000));
  ASSERT_TRUE(ParseTimestamp("2016-10-06T00:17:09Z", &got));
  EXPECT_EQ(got, At(2016, 10, 6, 0, 17, 9, 0));
  ASSERT_TRUE(ParseTimestamp("2016-10-06t02:17:09.000000001+02:00", &got));
  EXPECT_EQ(got, At(2016, 10, 6, 0, 17, 9, 1));
  ASSERT_TRUE(ParseTimestamp("2016-10-05T23:47:09-00:30", &got));
  EXPECT_EQ(got, At(2016, 10, 6, 0, 17, 9, 0));
}

TEST(TimestampTest, RefusesAnythingElse) {
  absl::Time got;
  for (const char* bad : {
           "",
           "2016-10-06",
           "2016-10-06 00:17:09Z",             // space, not T
           "2016-10-06T00:17:09",              // no zone
           "2016-10-06T00:17:09.Z",            // empty fraction
           "2016-10-06T00:17:09.1234567890Z",  // ten digits
           "2016-02-30T00:17:09Z",             // no such day
           "2016-13-01T00:17:09Z",
           "2016-10-06T24:00:00Z",
           "2016-10-06T00:60:00Z",
           "2016-10-06T00:17:60Z",
           "2016-10-06T00:17:09+0200",
           "2016-10-06T00:17:09+24:00",
           "2016-10-06T00:17:09Z ",  // trailing byte
           "+016-10-06T00:17:09Z",
           "2016-1a-06T00:17:09Z",
       }) {
    EXPECT_FALSE(ParseTimestamp(bad, &got)) << bad;
  }
}

}  // namespace
}  // namespace crate::shim
