#include "registry/image/image.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/base/file_util.h"
#include "runtime/base/status_matchers.h"

namespace crate::registry {
namespace {

using ::crate::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string DescriptorJson(absl::string_view mt, const Digest& d, size_t size) {
  return absl::StrCat(R"({"mediaType":")", mt, R"(","digest":")", d.ToString(),
                      R"(","size":)", size, "}");
}

// Blobs of a small two-layer image, written to a content store the way a
// pull would.
class ImageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(dir_, MakeTempDir("image_test"));
    ASSERT_OK_AND_ASSIGN(ContentStore c,
                         ContentStore::Open(JoinPath(dir_, "content")));
    content_ = std::make_unique<ContentStore>(std::move(c));
    ASSERT_OK_AND_ASSIGN(ImageStore i,
                         ImageStore::Open(JoinPath(dir_, "images")));
    images_ = std::make_unique<ImageStore>(std::move(i));

    layers_ = {"layer zero bytes", "layer one, a little longer"};
    for (const std::string& l : layers_) {
      ASSERT_OK_AND_ASSIGN(Digest d, content_->WriteBlob(l));
      layer_digests_.push_back(d);
      // Stand-ins for the uncompressed digests.
      diff_ids_.push_back(Digest::Sha256Of("uncompressed " + l));
    }
    config_ = absl::StrCat(
        R"({"created":"2024-02-03T04:05:06Z","architecture":"arm64",)",
        R"("os":"linux","config":{"Cmd":["/bin/sh"]},)",
        R"("rootfs":{"type":"layers","diff_ids":[")", diff_ids_[0].ToString(),
        R"(",")", diff_ids_[1].ToString(), R"("]}})");
    ASSERT_OK_AND_ASSIGN(config_digest_, content_->WriteBlob(config_));
  }
  void TearDown() override { ASSERT_OK(RemoveTree(dir_)); }

  std::string ManifestJson(int64_t config_size_delta = 0,
                           int64_t layer_size_delta = 0) {
    return absl::StrCat(
        R"({"schemaVersion":2,"mediaType":")", kOciManifest, R"(","config":)",
        DescriptorJson(kOciConfig, config_digest_,
                       config_.size() + config_size_delta),
        R"(,"layers":[)",
        DescriptorJson(kOciLayerGzip, layer_digests_[0], layers_[0].size()),
        ",",
        DescriptorJson(kOciLayerGzip, layer_digests_[1],
                       layers_[1].size() + layer_size_delta),
        "]}");
  }

  std::string dir_;
  std::unique_ptr<ContentStore> content_;
  std::unique_ptr<ImageStore> images_;
  std::vector<std::string> layers_;
  std::vector<Digest> layer_digests_;
  std::vector<Digest> diff_ids_;
  std::string config_;
  Digest config_digest_;
};

TEST_F(ImageTest, LoadsAndRecordsAnImage) {
  std::string manifest = ManifestJson();
  ASSERT_OK_AND_ASSIGN(Digest md, content_->WriteBlob(manifest));
  ASSERT_OK_AND_ASSIGN(Image image, LoadImage(*content_, md, "x:1"));
  EXPECT_EQ(image.manifest.layers.size(), 2u);
  EXPECT_THAT(image.config.config.cmd, ElementsAre("/bin/sh"));
  EXPECT_EQ(image.chain_ids, ChainIds(diff_ids_));
  const ImageRecord& r = image.record;
  EXPECT_EQ(r.manifest_digest, md);
  EXPECT_EQ(r.manifest_media_type, kOciManifest);
  EXPECT_EQ(r.config_digest, config_digest_);
  EXPECT_EQ(r.layers, layer_digests_);
  EXPECT_EQ(r.size, manifest.size() + config_.size() + layers_[0].size() +
                        layers_[1].size());
  EXPECT_EQ(r.platform, "linux/arm64/v8");
  EXPECT_EQ(r.created, absl::FromCivil(absl::CivilSecond(2024, 2, 3, 4, 5, 6),
                                       absl::UTCTimeZone()));

  ASSERT_OK(images_->Put(r));
  ASSERT_OK(images_->Tag(*Reference::Parse("x:1"), md).status());
  ASSERT_OK_AND_ASSIGN(ResolvedImage resolved, images_->Resolve("x:1"));
  EXPECT_EQ(resolved.record.config_digest, config_digest_);
}

TEST_F(ImageTest, ManifestThatLiesAboutSizes) {
  ASSERT_OK_AND_ASSIGN(Digest md, content_->WriteBlob(ManifestJson(5, 0)));
  EXPECT_THAT(LoadImage(*content_, md, "x:1"),
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr("config " + config_digest_.ToString() +
                                 " of x:1: the manifest says " +
                                 std::to_string(config_.size() + 5) +
                                 " bytes, the blob has " +
                                 std::to_string(config_.size()))));
  ASSERT_OK_AND_ASSIGN(md, content_->WriteBlob(ManifestJson(0, -3)));
  EXPECT_THAT(LoadImage(*content_, md, "x:1"),
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr("layer 1 (" + layer_digests_[1].ToString() +
                                 ") of x:1: the manifest says")));
}

TEST_F(ImageTest, MissingBlobsAreNamed) {
  ASSERT_OK_AND_ASSIGN(Digest md, content_->WriteBlob(ManifestJson()));
  ASSERT_OK(content_->Delete(layer_digests_[0]));
  EXPECT_THAT(LoadImage(*content_, md, "x:1"),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr("layer 0 of x:1: blob " +
                                 layer_digests_[0].ToString() +
                                 ": not in the content store")));
  ASSERT_OK(content_->Delete(config_digest_));
  EXPECT_THAT(LoadImage(*content_, md, "x:1"),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr(config_digest_.ToString())));
}

TEST_F(ImageTest, ConfigWithWrongLayerCount) {
  std::string config =
      absl::StrCat(R"({"architecture":"amd64","os":"linux",)",
                   R"("rootfs":{"type":"layers","diff_ids":[")",
                   diff_ids_[0].ToString(), R"("]}})");
  ASSERT_OK_AND_ASSIGN(config_digest_, content_->WriteBlob(config));
  config_ = config;
  ASSERT_OK_AND_ASSIGN(Digest md, content_->WriteBlob(ManifestJson()));
  EXPECT_THAT(LoadImage(*content_, md, "x:1"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("the manifest lists 2 layers but the config "
                                 "has 1 diff_ids")));
}

TEST_F(ImageTest, IndexesResolveToThePlatformManifest) {
  ASSERT_OK_AND_ASSIGN(Digest md, content_->WriteBlob(ManifestJson()));
  std::string index = absl::StrCat(
      R"({"schemaVersion":2,"mediaType":")", kOciIndex, R"(","manifests":[)",
      R"({"mediaType":")", kOciManifest, R"(","digest":")",
      Digest::Sha256Of("amd64").ToString(),
      R"(","size":10,"platform":{"os":"linux","architecture":"amd64"}},)",
      R"({"mediaType":")", kOciManifest, R"(","digest":")", md.ToString(),
      R"(","size":10,"platform":{"os":"linux","architecture":"arm64"}}]})");
  ASSERT_OK_AND_ASSIGN(Digest index_digest, content_->WriteBlob(index));
  EXPECT_THAT(
      LoadImage(*content_, index_digest, "x:1"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("is an index")));
  ASSERT_OK_AND_ASSIGN(
      Digest chosen,
      ResolvePlatformManifest(*content_, index_digest,
                              *ParsePlatform("linux/arm64/v8"), "x:1"));
  EXPECT_EQ(chosen, md);
  ASSERT_OK_AND_ASSIGN(
      chosen, ResolvePlatformManifest(*content_, md,
                                      *ParsePlatform("linux/amd64"), "x:1"));
  EXPECT_EQ(chosen, md);  // a manifest is its own answer
  EXPECT_THAT(ResolvePlatformManifest(*content_, index_digest,
                                      *ParsePlatform("linux/s390x"), "x:1"),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr("no manifest for linux/s390x")));
}

TEST_F(ImageTest, GarbageCollectionKeepsWhatImagesUse) {
  ASSERT_OK_AND_ASSIGN(Digest md, content_->WriteBlob(ManifestJson()));
  ASSERT_OK_AND_ASSIGN(Image image, LoadImage(*content_, md, "x:1"));
  ASSERT_OK(images_->Put(image.record));
  ASSERT_OK(images_->Tag(*Reference::Parse("x:1"), md).status());
  ASSERT_OK_AND_ASSIGN(Digest stray, content_->WriteBlob("left by a pull"));

  ASSERT_OK_AND_ASSIGN(GcReport report, CollectGarbage(*images_, *content_));
  EXPECT_THAT(report.removed_blobs, ElementsAre(stray));
  for (const Digest& d : image.record.layers) EXPECT_TRUE(content_->Has(d));
  EXPECT_TRUE(content_->Has(md));
  EXPECT_TRUE(content_->Has(config_digest_));

  ASSERT_OK(images_->Remove("x:1", {}, nullptr).status());
  ASSERT_OK_AND_ASSIGN(report, CollectGarbage(*images_, *content_));
  EXPECT_EQ(report.removed_blobs.size(), 4u);
  ASSERT_OK_AND_ASSIGN(VerifyReport verify, content_->Verify());
  EXPECT_EQ(verify.blobs_checked, 0u);
}

}  // namespace
}  // namespace crate::registry
