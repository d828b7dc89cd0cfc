#include "cli/crate/volume_rows.h"

#include "cli/crate/row_output.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace crate::cli {
namespace {

using ::testing::HasSubstr;

crate::v1::Volume Db() {
  crate::v1::Volume v;
  v.set_name("db");
  v.set_driver("local");
  v.set_mountpoint("/var/lib/crate/volumes/db/_data");
  v.set_created_unix_nanos(
      absl::ToUnixNanos(absl::FromUnixSeconds(1704207845)));
  (*v.mutable_labels())["tier"] = "back";
  (*v.mutable_labels())["app"] = "shop";
  v.add_containers("0123");
  return v;
}

TEST(VolumeRowsTest, LsTableIsDockers) {
  crate::v1::Volume other;
  other.set_name("cache");
  other.set_driver("local");
  absl::StatusOr<std::string> out = RenderRows(
      {VolumeRow(Db()), VolumeRow(other)}, "", kVolumesTable, VolumeHeaders());
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(*out,
            "DRIVER    VOLUME NAME\n"
            "local     db\n"
            "local     cache\n");
}

TEST(VolumeRowsTest, RowFieldsForFormat) {
  Json row = VolumeRow(Db());
  EXPECT_EQ(row["Labels"], "app=shop,tier=back");
  EXPECT_EQ(row["Links"], "1");
  EXPECT_EQ(row["Scope"], "local");
  EXPECT_EQ(row["Mountpoint"], "/var/lib/crate/volumes/db/_data");
  absl::StatusOr<std::string> out =
      RenderRows({row}, "{{.Name}} {{.Driver}} {{.Labels}}", kVolumesTable,
                 VolumeHeaders());
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(*out, "db local app=shop,tier=back\n");
  EXPECT_FALSE(
      RenderRows({row}, "{{.Bogus}}", kVolumesTable, VolumeHeaders()).ok());
}

TEST(VolumeRowsTest, InspectIsDockersObject) {
  Json j = VolumeInspectJson(Db(), absl::UTCTimeZone());
  EXPECT_EQ(j.dump(),
            R"({"CreatedAt":"2024-01-02T15:04:05Z","Driver":"local",)"
            R"("Labels":{"app":"shop","tier":"back"},)"
            R"("Mountpoint":"/var/lib/crate/volumes/db/_data","Name":"db",)"
            R"("Options":{},"Scope":"local"})");
}

TEST(VolumeRowsTest, CreatedAtCarriesTheZonesOffset) {
  EXPECT_EQ(Rfc3339Seconds(absl::FromUnixSeconds(1704207845),
                           absl::FixedTimeZone(3600)),
            "2024-01-02T16:04:05+01:00");
}

TEST(VolumeRowsTest, KeyValues) {
  auto labels = ParseKeyValues({"a=1", "b", "c=x=y"}, false, "label");
  ASSERT_TRUE(labels.ok());
  EXPECT_EQ(labels->at("a"), "1");
  EXPECT_EQ(labels->at("b"), "");
  EXPECT_EQ(labels->at("c"), "x=y");
  auto bad = ParseKeyValues({"type"}, true, "driver option");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(),
              HasSubstr("invalid driver option \"type\""));
  EXPECT_FALSE(ParseKeyValues({"=v"}, false, "label").ok());
}

}  // namespace
}  // namespace crate::cli
