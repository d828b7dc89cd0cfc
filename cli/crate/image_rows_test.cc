#include "cli/crate/image_rows.h"

#include "gtest/gtest.h"

namespace crate::cli {
namespace {

const absl::Time kNow = absl::FromUnixSeconds(1704207845);

crate::v1::ImageSummary Busybox() {
  crate::v1::ImageSummary image;
  image.set_id(
      "sha256:"
      "664d0ae28a646d2a338c4a30e8aa02c28fc001db1e81edabaf9e824d4b53699f");
  image.add_names("docker.io/library/busybox:latest");
  image.add_names("127.0.0.1:5000/crate-test/busybox:1");
  image.add_digests("docker.io/library/busybox@sha256:e740");
  image.set_size_bytes(4261234);
  image.set_created_unix_nanos(absl::ToUnixNanos(kNow - absl::Hours(24 * 21)));
  return image;
}

TEST(ImageRowsTest, OneRowPerName) {
  std::vector<Json> rows = ImageRows(Busybox(), kNow, /*trunc=*/true);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0]["Repository"], "busybox");
  EXPECT_EQ(rows[0]["Tag"], "latest");
  EXPECT_EQ(rows[0]["Digest"], "sha256:e740");
  EXPECT_EQ(rows[0]["ID"], "664d0ae28a64");
  EXPECT_EQ(rows[0]["CreatedSince"], "3 weeks ago");
  EXPECT_EQ(rows[0]["Size"], "4.26MB");
  EXPECT_EQ(rows[1]["Repository"], "127.0.0.1:5000/crate-test/busybox");
  EXPECT_EQ(rows[1]["Tag"], "1");
  EXPECT_EQ(rows[1]["Digest"], "<none>");
}

TEST(ImageRowsTest, NoTruncKeepsTheWholeId) {
  EXPECT_EQ(ImageRows(Busybox(), kNow, false)[0]["ID"], Busybox().id());
}

TEST(ImageRowsTest, UntaggedImages) {
  crate::v1::ImageSummary image = Busybox();
  image.clear_names();
  std::vector<Json> rows = ImageRows(image, kNow, true);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0]["Repository"], "busybox");
  EXPECT_EQ(rows[0]["Tag"], "<none>");
  image.clear_digests();
  rows = ImageRows(image, kNow, true);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0]["Repository"], "<none>");
}

TEST(ImageRowsTest, UnknownCreationTime) {
  crate::v1::ImageSummary image = Busybox();
  image.set_created_unix_nanos(0);
  EXPECT_EQ(ImageRows(image, kNow, true)[0]["CreatedSince"], "N/A");
}

TEST(ImageRowsTest, HeadersCoverEveryField) {
  std::vector<Json> rows = ImageRows(Busybox(), kNow, true);
  for (const auto& item : rows[0].items()) {
    EXPECT_TRUE(ImageHeaders().count(item.key())) << item.key();
  }
}

}  // namespace
}  // namespace crate::cli
