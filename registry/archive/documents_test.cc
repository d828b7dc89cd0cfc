#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "registry/archive/docker_archive.h"
#include "registry/archive/format.h"
#include "registry/archive/oci_layout.h"
#include "registry/image/manifest.h"
#include "registry/image/media_types.h"
#include "runtime/base/status_matchers.h"

namespace crate::registry {
namespace {

using ::crate::testing::StatusIs;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

Descriptor Named(std::map<std::string, std::string> annotations) {
  Descriptor d;
  d.media_type = std::string(kOciManifest);
  d.digest = Digest::Sha256Of("m");
  d.size = 1;
  d.annotations = std::move(annotations);
  return d;
}

TEST(OciLayoutTest, EntryNames) {
  ASSERT_OK_AND_ASSIGN(Reference repo, Reference::Parse("busybox"));
  struct Case {
    std::map<std::string, std::string> annotations;
    std::string want;  // empty: no name
  };
  const std::string ref_name(kRefNameAnnotation);
  const std::string containerd(kContainerdNameAnnotation);
  std::vector<Case> cases = {
      {{}, ""},
      {{{ref_name, "latest"}}, "docker.io/library/busybox:latest"},
      {{{ref_name, "1.36-musl"}}, "docker.io/library/busybox:1.36-musl"},
      {{{ref_name, "docker.io/library/alpine:3.19"}},
       "docker.io/library/alpine:3.19"},
      {{{ref_name, "alpine:3.19"}}, "docker.io/library/alpine:3.19"},
      {{{ref_name, "127.0.0.1:5000/x/y"}}, "127.0.0.1:5000/x/y:latest"},
      {{{ref_name, "latest"}, {containerd, "docker.io/library/sh:1"}},
       "docker.io/library/sh:1"},
  };
  for (const Case& c : cases) {
    ASSERT_OK_AND_ASSIGN(absl::optional<Reference> name,
                         OciEntryName(Named(c.annotations), repo, "ctx"));
    EXPECT_EQ(name ? name->String() : "", c.want);
  }
  EXPECT_THAT(OciEntryName(Named({{ref_name, "latest"}}), absl::nullopt,
                           "archive x: index.json manifests[0]"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("manifests[0]"),
                             HasSubstr("only by the tag \"latest\""),
                             HasSubstr("repository name"))));
  EXPECT_THAT(
      OciEntryName(Named({{ref_name, "-bad"}}), repo, "ctx"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("neither a tag")));
  EXPECT_THAT(OciEntryName(Named({{ref_name, "x/Y:1"}}), repo, "ctx"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("x/Y:1")));
}

TEST(OciLayoutTest, LayoutFile) {
  EXPECT_OK(CheckOciLayout(OciLayoutJson(), "x"));
  EXPECT_OK(CheckOciLayout("{\"imageLayoutVersion\": \"1.0.0\"}", "x"));
  EXPECT_THAT(CheckOciLayout("{\"imageLayoutVersion\": \"2.0.0\"}", "x"),
              StatusIs(absl::StatusCode::kUnimplemented, HasSubstr("2.0.0")));
  EXPECT_THAT(
      CheckOciLayout("[]", "x: oci-layout"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("oci-layout")));
}

TEST(OciLayoutTest, DocumentsParseBack) {
  Descriptor config;
  config.media_type = std::string(kDockerConfig);
  config.digest = Digest::Sha256Of("c");
  config.size = 1;
  Descriptor layer;
  layer.media_type = std::string(kDockerLayerGzip);
  layer.digest = Digest::Sha256Of("l");
  layer.size = 5;
  Manifest docker;
  docker.media_type = std::string(kDockerManifest);
  docker.config = config;
  docker.layers = {layer};
  docker.annotations = {{"a", "b"}};
  ASSERT_OK_AND_ASSIGN(std::string oci, ToOciManifest(docker));
  ASSERT_OK_AND_ASSIGN(Manifest m, ParseManifest(oci, "converted"));
  EXPECT_EQ(m.media_type, kOciManifest);
  EXPECT_EQ(m.config.media_type, kOciConfig);
  EXPECT_EQ(m.config.digest, config.digest);
  ASSERT_EQ(m.layers.size(), 1u);
  EXPECT_EQ(m.layers[0].media_type, kOciLayerGzip);
  EXPECT_EQ(m.layers[0].size, 5);
  EXPECT_EQ(m.annotations.at("a"), "b");

  Descriptor entry = Named({{std::string(kRefNameAnnotation), "x:1"}});
  entry.platform = Platform{"linux", "arm64", "v8"};
  ASSERT_OK_AND_ASSIGN(Index index,
                       ParseIndex(OciIndexJson({entry, Named({})}), "index"));
  ASSERT_EQ(index.manifests.size(), 2u);
  EXPECT_EQ(index.manifests[0].annotations.at(std::string(kRefNameAnnotation)),
            "x:1");
  EXPECT_EQ(index.manifests[0].platform->ToString(), "linux/arm64/v8");
  EXPECT_EQ(OciBlobPath(entry.digest), "blobs/sha256/" + entry.digest.hex());
}

TEST(DockerArchiveTest, ManifestRoundTripAndErrors) {
  std::vector<DockerArchiveImage> images = {
      {"abc.json", {"busybox:latest", "x:1"}, {"l1/layer.tar", "l2.tar"}},
      {"def.json", {}, {}}};
  const std::string json = DockerArchiveManifestJson(images);
  EXPECT_THAT(json, HasSubstr("\"RepoTags\":null"));
  ASSERT_OK_AND_ASSIGN(std::vector<DockerArchiveImage> back,
                       ParseDockerArchiveManifest(json, "manifest.json"));
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[0].config, "abc.json");
  EXPECT_THAT(back[0].repo_tags, ElementsAre("busybox:latest", "x:1"));
  EXPECT_THAT(back[0].layers, ElementsAre("l1/layer.tar", "l2.tar"));
  EXPECT_TRUE(back[1].repo_tags.empty());

  for (const auto& [body, reason] :
       std::vector<std::pair<std::string, std::string>>{
           {"[", "malformed"},
           {"{}", "array"},
           {"[]", "no images"},
           {"[1]", "[0]: expected an object"},
           {"[{\"Layers\": []}]", "[0].Config"},
           {"[{\"Config\": \"c\", \"Layers\": [1]}]", "[0].Layers[0]"},
           {"[{\"Config\": \"c\", \"RepoTags\": \"x\"}]", "[0].RepoTags"},
       }) {
    EXPECT_THAT(ParseDockerArchiveManifest(body, "archive a: manifest.json"),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         AllOf(HasSubstr("manifest.json"), HasSubstr(reason))))
        << body;
  }
}

TEST(FormatTest, Names) {
  ASSERT_OK_AND_ASSIGN(ArchiveFormat f, ParseArchiveFormat("docker-archive"));
  EXPECT_EQ(f, ArchiveFormat::kDockerArchive);
  EXPECT_EQ(ArchiveFormatName(ArchiveFormat::kOciArchive), "oci-archive");
  EXPECT_THAT(ParseArchiveFormat("zip"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("zip")));
}

}  // namespace
}  // namespace crate::registry
