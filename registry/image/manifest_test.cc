#include "registry/image/manifest.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "registry/image/testdata.h"
#include "runtime/base/status_matchers.h"

namespace crate::registry {
namespace {

using ::crate::testing::StatusIs;
using ::testing::HasSubstr;

constexpr char kCtx[] = "manifest of docker.io/library/x:1";

Platform Host(const std::string& s) { return *ParsePlatform(s); }

TEST(ManifestTest, ParsesDockerManifestList) {
  ASSERT_OK_AND_ASSIGN(
      ManifestDocument doc,
      ParseManifestDocument(testdata::kDockerManifestList,
                            "application/vnd.docker.distribution.manifest."
                            "list.v2+json",
                            kCtx));
  EXPECT_EQ(doc.media_type, kDockerManifestList);
  ASSERT_TRUE(doc.index.has_value());
  EXPECT_FALSE(doc.manifest.has_value());
  ASSERT_EQ(doc.index->manifests.size(), 4u);
  const Descriptor& d = doc.index->manifests[2];
  EXPECT_EQ(d.media_type, kDockerManifest);
  EXPECT_EQ(d.size, 528);
  ASSERT_TRUE(d.platform.has_value());
  EXPECT_EQ(d.platform->ToString(), "linux/arm/v7");
}

TEST(ManifestTest, SelectsTheHostPlatform) {
  ASSERT_OK_AND_ASSIGN(Index index,
                       ParseIndex(testdata::kDockerManifestList, kCtx));
  auto pick = [&](const std::string& platform) {
    auto d = SelectManifest(index, Host(platform), kCtx);
    return d.ok() ? d->digest.hex().substr(0, 4)
                  : std::string(d.status().message());
  };
  EXPECT_EQ(pick("linux/amd64"), "6457");
  EXPECT_EQ(pick("linux/arm64"), "a026");
  EXPECT_EQ(pick("linux/arm64/v8"), "a026");
  EXPECT_EQ(pick("linux/arm/v7"), "ec29");
  EXPECT_EQ(pick("linux/arm/v6"), "b229");
  EXPECT_EQ(pick("linux/arm"), "ec29");
  EXPECT_THAT(SelectManifest(index, Host("linux/s390x"), kCtx),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr(std::string(kCtx) +
                                 ": no manifest for linux/s390x (the index has "
                                 "linux/amd64, linux/arm/v6, linux/arm/v7, "
                                 "linux/arm64/v8)")));
}

TEST(ManifestTest, FallsBackToCompatibleVariants) {
  ASSERT_OK_AND_ASSIGN(Index index,
                       ParseIndex(testdata::kDockerManifestList, kCtx));
  // Without arm/v7 in the index, a v7 host takes v6.
  index.manifests.erase(index.manifests.begin() + 2);
  ASSERT_OK_AND_ASSIGN(Descriptor d,
                       SelectManifest(index, Host("linux/arm/v7"), kCtx));
  EXPECT_EQ(d.platform->variant, "v6");
}

TEST(ManifestTest, SkipsAttestations) {
  ASSERT_OK_AND_ASSIGN(
      ManifestDocument doc,
      ParseManifestDocument(testdata::kOciIndexWithAttestations, "", kCtx));
  ASSERT_TRUE(doc.index.has_value());
  EXPECT_EQ(doc.index->media_type, kOciIndex);
  EXPECT_EQ(doc.index->annotations.at("org.opencontainers.image.created"),
            "2024-01-01T00:00:00Z");
  ASSERT_OK_AND_ASSIGN(Descriptor d,
                       SelectManifest(*doc.index, Host("linux/amd64"), kCtx));
  EXPECT_EQ(d.digest.hex().substr(0, 4), "2222");
  EXPECT_THAT(SelectManifest(*doc.index, Host("linux/riscv64"), kCtx),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr("(the index has linux/arm64, linux/amd64)")));
}

TEST(ManifestTest, ParsesDockerSchema2) {
  ASSERT_OK_AND_ASSIGN(
      ManifestDocument doc,
      ParseManifestDocument(
          testdata::kDockerSchema2,
          "application/vnd.docker.distribution.manifest.v2+json", kCtx));
  ASSERT_TRUE(doc.manifest.has_value());
  const Manifest& m = *doc.manifest;
  EXPECT_EQ(m.media_type, kDockerManifest);
  EXPECT_EQ(m.config.media_type, kDockerConfig);
  EXPECT_EQ(m.config.size, 1457);
  ASSERT_EQ(m.layers.size(), 1u);
  EXPECT_EQ(m.layers[0].size, 2220094);
  LayerCompression c;
  ASSERT_TRUE(LayerCompressionOf(m.layers[0].media_type, &c));
  EXPECT_EQ(c, LayerCompression::kGzip);
}

TEST(ManifestTest, ParsesOciManifestWithoutMediaType) {
  // Served as plain JSON; recognised by its shape.
  ASSERT_OK_AND_ASSIGN(
      ManifestDocument doc,
      ParseManifestDocument(testdata::kOciManifestNoMediaType,
                            "application/json; charset=utf-8", kCtx));
  ASSERT_TRUE(doc.manifest.has_value());
  EXPECT_EQ(doc.manifest->media_type, kOciManifest);
  ASSERT_EQ(doc.manifest->layers.size(), 2u);
  LayerCompression c;
  ASSERT_TRUE(LayerCompressionOf(doc.manifest->layers[1].media_type, &c));
  EXPECT_EQ(c, LayerCompression::kZstd);
  // Served with its proper type it parses the same.
  EXPECT_OK(ParseManifestDocument(testdata::kOciManifestNoMediaType,
                                  kOciManifest, kCtx));
  EXPECT_OK(ParseManifest(testdata::kOciManifestNoMediaType, kCtx));
}

TEST(ManifestTest, RefusesSchema1) {
  EXPECT_THAT(
      ParseManifestDocument(testdata::kSchema1,
                            "application/vnd.docker.distribution.manifest.v1+"
                            "prettyjws",
                            kCtx),
      StatusIs(absl::StatusCode::kUnimplemented,
               HasSubstr(std::string(kCtx) +
                         ": schema 1 manifests are not supported")));
  // Also when served untyped, by its schemaVersion.
  EXPECT_THAT(ParseManifestDocument(testdata::kSchema1, "", kCtx),
              StatusIs(absl::StatusCode::kUnimplemented,
                       HasSubstr("schema 1 manifests are not supported")));
  EXPECT_THAT(
      ParseManifestDocument(
          "{}", "application/vnd.docker.distribution.manifest.v1+json", kCtx),
      StatusIs(absl::StatusCode::kUnimplemented, HasSubstr("schema 1")));
}

TEST(ManifestTest, RefusesBadDocuments) {
  struct Case {
    std::string body;
    std::string content_type;
    absl::StatusCode code;
    std::string err;
  };
  const std::string good_digest =
      "sha256:4444444444444444444444444444444444444444444444444444444444444444";
  auto manifest = [&](const std::string& config, const std::string& layers) {
    return R"({"schemaVersion":2,"mediaType":")" + std::string(kOciManifest) +
           R"(","config":)" + config + R"(,"layers":)" + layers + "}";
  };
  const std::string config = R"({"mediaType":")" + std::string(kOciConfig) +
                             R"(","digest":")" + good_digest +
                             R"(","size":10})";
  auto layer = [&](const std::string& mt, const std::string& digest,
                   const std::string& size) {
    return R"([{"mediaType":")" + mt + R"(","digest":")" + digest +
           R"(","size":)" + size + "}]";
  };
  const std::string gz(kOciLayerGzip);
  std::vector<Case> cases = {
      {"{not json", "", absl::StatusCode::kInvalidArgument, "malformed JSON"},
      {"[1,2]", "", absl::StatusCode::kInvalidArgument,
       "malformed document: expected a JSON object"},
      {"", "", absl::StatusCode::kInvalidArgument, "malformed JSON"},
      {R"({"schemaVersion":2})", "", absl::StatusCode::kInvalidArgument,
       "not a manifest"},
      {R"({"schemaVersion":3,"manifests":[]})", "",
       absl::StatusCode::kInvalidArgument, "schemaVersion: expected 2, got 3"},
      {R"({"schemaVersion":"2","manifests":[]})", "",
       absl::StatusCode::kInvalidArgument,
       "schemaVersion: expected an integer"},
      {R"({"schemaVersion":2,"mediaType":"application/x-weird"})", "",
       absl::StatusCode::kUnimplemented,
       "unknown manifest media type application/x-weird"},
      {manifest(config, "[]"), std::string(kDockerManifest),
       absl::StatusCode::kInvalidArgument,
       "served as application/vnd.docker.distribution.manifest.v2+json but "
       "the document says application/vnd.oci.image.manifest.v1+json"},
      {manifest(config, layer(gz, "sha256:1234", "5")), "",
       absl::StatusCode::kInvalidArgument,
       "layers[0].digest: invalid digest \"sha256:1234\": invalid checksum "
       "digest length"},
      {manifest(config, layer(gz, good_digest, "-5")), "",
       absl::StatusCode::kInvalidArgument, "layers[0].size: negative (-5)"},
      {manifest(config, layer(gz, good_digest, "5.5")), "",
       absl::StatusCode::kInvalidArgument,
       "layers[0].size: expected an integer"},
      {manifest(config, layer(gz, good_digest, "\"5\"")), "",
       absl::StatusCode::kInvalidArgument,
       "layers[0].size: expected an integer"},
      {manifest(config, layer("application/x-tar+lz4", good_digest, "5")), "",
       absl::StatusCode::kUnimplemented,
       "layers[0].mediaType: unknown layer media type application/x-tar+lz4"},
      {manifest(config, layer("", good_digest, "5")), "",
       absl::StatusCode::kInvalidArgument, "layers[0].mediaType: missing"},
      {manifest(config, R"([{"mediaType":")" + gz + R"(","size":1}])"), "",
       absl::StatusCode::kInvalidArgument, "layers[0].digest: missing"},
      {manifest(config, R"({})"), "", absl::StatusCode::kInvalidArgument,
       "layers: expected an array"},
      {manifest(
           R"({"mediaType":"application/vnd.oci.empty.v1+json","digest":")" +
               good_digest + R"(","size":2})",
           "[]"),
       "", absl::StatusCode::kUnimplemented,
       "config.mediaType: application/vnd.oci.empty.v1+json is not a "
       "container image configuration"},
      {manifest(R"({"mediaType":")" + std::string(kOciConfig) +
                    R"(","digest":")" + good_digest + R"(","size":99999999})",
                "[]"),
       "", absl::StatusCode::kResourceExhausted,
       "config.size: 99999999 bytes is more than the limit"},
      {R"({"schemaVersion":2,"mediaType":")" + std::string(kOciIndex) +
           R"(","manifests":[{"mediaType":")" + std::string(kOciManifest) +
           R"(","digest":")" + good_digest +
           R"(","size":1,"platform":{"os":"linux"}}]})",
       "", absl::StatusCode::kInvalidArgument,
       "manifests[0].platform: os and architecture are required"},
      {R"({"schemaVersion":2,"mediaType":")" + std::string(kOciIndex) +
           R"(","manifests":[{"mediaType":")" + std::string(kOciManifest) +
           R"(","digest":")" + good_digest + R"(","size":5000000}]})",
       "", absl::StatusCode::kResourceExhausted,
       "manifests[0].size: 5000000 bytes is more than the manifest limit"},
      {std::string(kMaxManifestSize + 1, ' '), "",
       absl::StatusCode::kResourceExhausted,
       "4194305 bytes is more than the manifest limit"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.body.substr(0, 200));
    EXPECT_THAT(ParseManifestDocument(c.body, c.content_type, kCtx),
                StatusIs(c.code, HasSubstr(std::string(kCtx) + ": " + c.err)));
  }
}

TEST(ManifestTest, TypedParsersRefuseTheOtherKind) {
  EXPECT_THAT(ParseManifest(testdata::kDockerManifestList, kCtx),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("mediaType: expected")));
  EXPECT_THAT(ParseIndex(testdata::kDockerSchema2, kCtx),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("mediaType: expected")));
}

}  // namespace
}  // namespace crate::registry
