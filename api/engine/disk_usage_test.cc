#include "api/engine/disk_usage.h"

#include "gtest/gtest.h"

namespace crate::engine {
namespace {

ImageParts Image(const std::string& id, bool in_use,
                 std::vector<std::pair<std::string, uint64_t>> parts) {
  ImageParts p;
  p.item.id = id;
  p.item.in_use = in_use;
  p.item.containers = in_use ? 1 : 0;
  p.parts = std::move(parts);
  return p;
}

TEST(SumImagesTest, SharedPartsCountOnceInTheTotals) {
  // a and b share the base layer (blob and snapshot); c is alone.
  std::vector<ImageParts> images = {
      Image("a", /*in_use=*/true,
            {{"blob:base", 100}, {"snapshot:base", 300}, {"meta:a", 5}}),
      Image("b", /*in_use=*/false,
            {{"blob:base", 100},
             {"snapshot:base", 300},
             {"blob:top", 10},
             {"snapshot:top", 20},
             {"meta:b", 6}}),
      Image("c", /*in_use=*/false, {{"blob:c", 50}, {"meta:c", 7}}),
  };
  DiskUsage out;
  SumImages(images, &out);
  ASSERT_EQ(out.images.size(), 3u);
  EXPECT_EQ(out.images[0].size, 405u);
  EXPECT_EQ(out.images[0].shared, 400u);
  EXPECT_EQ(out.images[1].size, 436u);
  EXPECT_EQ(out.images[1].shared, 400u);
  EXPECT_EQ(out.images[2].size, 57u);
  EXPECT_EQ(out.images[2].shared, 0u);
  EXPECT_EQ(out.images_bytes, 100u + 300 + 5 + 10 + 20 + 6 + 50 + 7);
  // What a uses stays; b's own parts and all of c go.
  EXPECT_EQ(out.images_reclaimable, 10u + 20 + 6 + 50 + 7);
  EXPECT_TRUE(out.images[0].in_use);
  EXPECT_EQ(out.images[0].containers, 1);
}

TEST(SumImagesTest, APartNamedTwiceByOneImageIsNotShared) {
  // Two layers with the same blob (an image that adds the same tar twice).
  std::vector<ImageParts> images = {
      Image("a", false, {{"blob:x", 10}, {"blob:x", 10}, {"meta:a", 1}})};
  DiskUsage out;
  SumImages(images, &out);
  EXPECT_EQ(out.images[0].size, 11u);
  EXPECT_EQ(out.images[0].shared, 0u);
  EXPECT_EQ(out.images_bytes, 11u);
  EXPECT_EQ(out.images_reclaimable, 11u);
}

TEST(SumImagesTest, Empty) {
  DiskUsage out;
  SumImages({}, &out);
  EXPECT_TRUE(out.images.empty());
  EXPECT_EQ(out.images_bytes, 0u);
}

}  // namespace
}  // namespace crate::engine
