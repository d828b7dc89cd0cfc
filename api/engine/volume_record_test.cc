#include "api/engine/volume_record.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/base/status_matchers.h"

namespace crate::engine {
namespace {

using ::crate::testing::StatusIs;
using ::testing::HasSubstr;

constexpr char kSource[] = "/store/volumes/db/volume.json";

TEST(VolumeRecordTest, RoundTrips) {
  VolumeRecord r;
  r.name = "db";
  r.labels = {{"team", "data"}};
  r.options = {{"type", "tmpfs"}, {"device", "tmpfs"}, {"o", "size=64m"}};
  r.created = absl::FromUnixNanos(1700000000123456789);
  r.anonymous = true;
  r.mountpoint = "/not/stored";
  ASSERT_OK_AND_ASSIGN(std::string text, SerializeVolumeRecord(r));
  EXPECT_THAT(text, ::testing::Not(HasSubstr("/not/stored")));
  ASSERT_OK_AND_ASSIGN(VolumeRecord back, ParseVolumeRecord(text, kSource));
  EXPECT_EQ(back.name, "db");
  EXPECT_EQ(back.driver, "local");
  EXPECT_EQ(back.labels, r.labels);
  EXPECT_EQ(back.options, r.options);
  EXPECT_EQ(back.created, r.created);
  EXPECT_TRUE(back.anonymous);
  EXPECT_EQ(back.mountpoint, "");
}

TEST(VolumeRecordTest, UnknownFieldsAreIgnoredAndErrorsNameTheField) {
  EXPECT_OK(ParseVolumeRecord(R"({"name": "db", "scope": "local"})", kSource));
  EXPECT_THAT(
      ParseVolumeRecord(R"({"driver": "local"})", kSource),
      StatusIs(absl::StatusCode::kDataLoss,
               HasSubstr(std::string(kSource) + ": field \"name\": missing")));
  EXPECT_THAT(
      ParseVolumeRecord(R"({"name": "db", "anonymous": "yes"})", kSource),
      StatusIs(absl::StatusCode::kDataLoss,
               HasSubstr("field \"anonymous\": expected true or "
                         "false")));
  EXPECT_THAT(ParseVolumeRecord(R"({"name": "/etc"})", kSource),
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr("field \"name\": invalid volume name")));
  EXPECT_THAT(ParseVolumeRecord("", kSource),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr(kSource)));
}

TEST(VolumeRecordTest, TextThatIsNotUtf8IsRefused) {
  VolumeRecord r;
  r.name = "db";
  r.labels["x"] = "\xff";
  EXPECT_THAT(SerializeVolumeRecord(r),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("volume db: its labels and options must be "
                                 "UTF-8")));
}

}  // namespace
}  // namespace crate::engine
