#include "registry/archive/load_plan.h"

#include <fcntl.h>

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "registry/archive/oci_layout.h"
#include "registry/archive/test_archive.h"
#include "registry/image/media_types.h"
#include "runtime/base/file_util.h"
#include "runtime/base/status_matchers.h"
#include "runtime/base/unique_fd.h"

namespace crate::registry {
namespace {

using ::crate::testing::StatusIs;
using ::testing::AllOf;
using testing::BlobEntry;
using testing::Compression;
using testing::File;
using ::testing::HasSubstr;
using testing::MakeImage;
using testing::MakeLayer;
using testing::SmallTree;
using testing::Symlink;
using testing::TarEntry;
using testing::TestImage;
using testing::TestLayer;

class LoadPlanTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(dir_, MakeTempDir("load-plan"));
    ASSERT_OK_AND_ASSIGN(
        base_, MakeLayer(SmallTree("base"), Compression::kNone, dir_));
    ASSERT_OK_AND_ASSIGN(top_,
                         MakeLayer(SmallTree("top"), Compression::kGzip, dir_));
  }
  void TearDown() override { RemoveTree(dir_).IgnoreError(); }

  absl::StatusOr<LoadPlan> Plan(const std::vector<TarEntry>& entries,
                                const LoadPlanOptions& options = {}) {
    const std::string path = JoinPath(dir_, absl::StrCat("a", ++n_, ".tar"));
    EXPECT_OK(testing::WriteTar(path, entries, Compression::kNone));
    UniqueFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
    absl::StatusOr<TarCatalog> catalog = TarCatalog::Scan(fd.get(), path);
    if (!catalog.ok()) return catalog.status();
    LoadPlanOptions o = options;
    if (o.platform.os.empty()) o.platform = HostPlatform();
    return PlanLoad(*catalog, o);
  }

  // `entries` with the file `name` holding `data` instead.
  static std::vector<TarEntry> Replace(std::vector<TarEntry> entries,
                                       const std::string& name,
                                       const std::string& data) {
    for (TarEntry& e : entries) {
      if (e.path == name) e.data = data;
    }
    return entries;
  }
  static std::vector<TarEntry> Drop(std::vector<TarEntry> entries,
                                    const std::string& name) {
    std::vector<TarEntry> out;
    for (TarEntry& e : entries) {
      if (e.path != name) out.push_back(std::move(e));
    }
    return out;
  }

  std::string dir_;
  int n_ = 0;
  TestLayer base_, top_;
};

TEST_F(LoadPlanTest, OciArchiveImagesAndNames) {
  TestImage one = MakeImage({base_, top_});
  TestImage two = MakeImage({base_});
  ASSERT_OK_AND_ASSIGN(Reference repo, Reference::Parse("example.com/app"));
  LoadPlanOptions options;
  options.repository = repo;
  ASSERT_OK_AND_ASSIGN(
      LoadPlan plan, Plan(testing::OciArchive({{one, "docker.io/library/one:1"},
                                               {two, "v2"},
                                               {one, "one:again"},
                                               {two, ""}}),
                          options));
  EXPECT_EQ(plan.format, ArchiveFormat::kOciArchive);
  ASSERT_EQ(plan.images.size(), 2u);
  const PlannedImage& a = plan.images[0];
  EXPECT_EQ(a.manifest_digest, one.manifest_digest);
  ASSERT_EQ(a.tags.size(), 2u);
  EXPECT_EQ(a.tags[0].String(), "docker.io/library/one:1");
  EXPECT_EQ(a.tags[1].String(), "docker.io/library/one:again");
  EXPECT_EQ(a.config.digest, one.config_digest);
  EXPECT_EQ(a.config_bytes, one.config);
  ASSERT_EQ(a.layers.size(), 2u);
  EXPECT_EQ(a.layers[1].entry, OciBlobPath(top_.digest));
  EXPECT_EQ(a.layers[1].digest, top_.digest);
  EXPECT_EQ(a.layers[1].diff_id, top_.diff_id);
  EXPECT_EQ(a.layers[1].size, top_.blob.size());
  EXPECT_EQ(a.layers[1].media_type, kOciLayerGzip);
  ASSERT_EQ(plan.images[1].tags.size(), 1u);
  EXPECT_EQ(plan.images[1].tags[0].String(), "example.com/app:v2");

  // Without a repository, the bare tag names no image.
  EXPECT_THAT(Plan(testing::OciArchive({{two, "v2"}})),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("index.json manifests[0]"),
                             HasSubstr(two.manifest_digest.ToString()),
                             HasSubstr("\"v2\""))));
}

TEST_F(LoadPlanTest, NestedIndexResolvesToThePlatform) {
  const Platform host = HostPlatform();
  const Platform other = host.architecture == "arm64"
                             ? Platform{"linux", "amd64", ""}
                             : Platform{"linux", "arm64", "v8"};
  TestImage mine = MakeImage({base_}, host);
  TestImage theirs = MakeImage({top_}, other);
  std::vector<Descriptor> platforms;
  for (const auto& [image, platform] :
       std::vector<std::pair<TestImage, Platform>>{{mine, host},
                                                   {theirs, other}}) {
    Descriptor d;
    d.media_type = std::string(kOciManifest);
    d.digest = image.manifest_digest;
    d.size = static_cast<int64_t>(image.manifest.size());
    d.platform = platform;
    platforms.push_back(d);
  }
  const std::string index = OciIndexJson(platforms);
  Descriptor top;
  top.media_type = std::string(kOciIndex);
  top.digest = Digest::Sha256Of(index);
  top.size = static_cast<int64_t>(index.size());
  top.annotations[std::string(kRefNameAnnotation)] = "multi:1";
  std::vector<TarEntry> entries = {File("oci-layout", OciLayoutJson()),
                                   BlobEntry(index),
                                   BlobEntry(mine.manifest),
                                   BlobEntry(mine.config),
                                   BlobEntry(theirs.manifest),
                                   BlobEntry(theirs.config),
                                   BlobEntry(base_.blob),
                                   BlobEntry(top_.blob),
                                   File("index.json", OciIndexJson({top}))};
  ASSERT_OK_AND_ASSIGN(LoadPlan plan, Plan(entries));
  ASSERT_EQ(plan.images.size(), 1u);
  EXPECT_EQ(plan.images[0].manifest_digest, mine.manifest_digest);
  EXPECT_EQ(plan.images[0].tags[0].String(), "docker.io/library/multi:1");
  LoadPlanOptions options;
  options.platform = other;
  ASSERT_OK_AND_ASSIGN(plan, Plan(entries, options));
  EXPECT_EQ(plan.images[0].manifest_digest, theirs.manifest_digest);
  options.platform = Platform{"linux", "s390x", ""};
  EXPECT_THAT(Plan(entries, options),
              StatusIs(absl::StatusCode::kNotFound,
                       AllOf(HasSubstr("multi:1"), HasSubstr("s390x"))));
}

TEST_F(LoadPlanTest, OciLiesAreRefused) {
  TestImage image = MakeImage({base_, top_});
  const std::vector<TarEntry> good =
      testing::OciArchive({{image, "docker.io/library/x:1"}});
  ASSERT_OK(Plan(good).status());
  const std::string manifest = OciBlobPath(image.manifest_digest);
  const std::string config = OciBlobPath(image.config_digest);
  // Same sizes, other bytes: only the digests can tell.
  std::string lie_manifest = image.manifest;
  lie_manifest.replace(lie_manifest.find("\"schemaVersion\":2"), 17,
                       "\"schemaVersion\":3");
  std::string lie_config = image.config;
  lie_config.replace(lie_config.find("PATH=/bin"), 9, "PATH=/usr");
  struct Case {
    std::string name;
    std::vector<TarEntry> entries;
    absl::StatusCode code;
    std::vector<std::string> says;
  };
  std::vector<Case> cases = {
      {"manifest digest lies",
       Replace(good, manifest, lie_manifest),
       absl::StatusCode::kDataLoss,
       {"manifest " + image.manifest_digest.ToString(), "content has digest"}},
      {"config digest lies",
       Replace(good, config, lie_config),
       absl::StatusCode::kDataLoss,
       {"config " + image.config_digest.ToString(), "content has digest"}},
      {"manifest size lies",
       Replace(good, manifest, image.manifest + "  "),
       absl::StatusCode::kDataLoss,
       {image.manifest_digest.ToString(), "the archive holds"}},
      {"layer missing",
       Drop(good, OciBlobPath(top_.digest)),
       absl::StatusCode::kNotFound,
       {"layer 2 (" + top_.digest.ToString() + ")", "not in the archive"}},
      {"layer size lies",
       Replace(good, OciBlobPath(top_.digest), "short"),
       absl::StatusCode::kDataLoss,
       {"layer 2 (" + top_.digest.ToString() + ")", "the archive holds 5"}},
      {"no index.json",
       Drop(good, "index.json"),
       absl::StatusCode::kNotFound,
       {"index.json"}},
      {"no layout",
       Drop(good, "oci-layout"),
       absl::StatusCode::kInvalidArgument,
       {"neither an OCI image layout"}},
      {"a blob escapes",
       [&] {
         std::vector<TarEntry> e = Drop(good, OciBlobPath(image.config_digest));
         e.push_back(Symlink(config, "../../../etc/passwd"));
         return e;
       }(),
       absl::StatusCode::kPermissionDenied,
       {config, "leads out of the archive"}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    absl::StatusOr<LoadPlan> plan = Plan(c.entries);
    ASSERT_FALSE(plan.ok());
    EXPECT_EQ(plan.status().code(), c.code) << plan.status();
    EXPECT_THAT(std::string(plan.status().message()), HasSubstr(dir_));
    for (const std::string& s : c.says) {
      EXPECT_THAT(std::string(plan.status().message()), HasSubstr(s));
    }
  }
}

TEST_F(LoadPlanTest, DockerArchive) {
  TestImage image = MakeImage({base_, top_});
  TestImage other = MakeImage({base_});
  ASSERT_OK_AND_ASSIGN(
      LoadPlan plan,
      Plan(testing::DockerArchive({{image, {"busybox:latest", "x/y:2"}},
                                   {other, {}},
                                   {image, {"busybox:again"}}})));
  EXPECT_EQ(plan.format, ArchiveFormat::kDockerArchive);
  ASSERT_EQ(plan.images.size(), 2u);
  const PlannedImage& p = plan.images[0];
  ASSERT_EQ(p.tags.size(), 3u);
  EXPECT_EQ(p.tags[0].String(), "docker.io/library/busybox:latest");
  EXPECT_EQ(p.tags[1].String(), "docker.io/x/y:2");
  EXPECT_EQ(p.tags[2].String(), "docker.io/library/busybox:again");
  EXPECT_FALSE(p.manifest_digest.has_value());
  EXPECT_EQ(p.config.digest, image.config_digest);
  EXPECT_EQ(p.config.media_type, kOciConfig);
  ASSERT_EQ(p.layers.size(), 2u);
  // Uncompressed: its own DiffID; gzip: learnt when stored.
  EXPECT_EQ(p.layers[0].media_type, kOciLayerTar);
  EXPECT_EQ(p.layers[0].digest, base_.diff_id);
  EXPECT_EQ(p.layers[0].entry, base_.diff_id.hex() + "/layer.tar");
  EXPECT_EQ(p.layers[1].media_type, kOciLayerGzip);
  EXPECT_FALSE(p.layers[1].digest.has_value());
  EXPECT_TRUE(plan.images[1].tags.empty());

  // The manifest made from it once the digests are known: the same twice,
  // and one the parser takes.
  PlannedImage built = p;
  built.layers[1].digest = top_.digest;
  ASSERT_OK(BuildManifest(built));
  PlannedImage again = built;
  ASSERT_OK(BuildManifest(again));
  EXPECT_EQ(built.manifest_digest, again.manifest_digest);
  ASSERT_OK_AND_ASSIGN(Manifest m, ParseManifest(built.manifest, "built"));
  EXPECT_EQ(m.layers[1].digest, top_.digest);
  EXPECT_EQ(m.layers[1].size, static_cast<int64_t>(top_.blob.size()));
  EXPECT_EQ(m.config.digest, image.config_digest);
  EXPECT_FALSE(BuildManifest(plan.images[0]).ok());
}

TEST_F(LoadPlanTest, DockerArchiveLayersThroughLinks) {
  // skopeo's layout: layers as <diff_id>.tar, legacy directories whose
  // layer.tar links to them, manifest.json naming the links.
  TestImage image = MakeImage({base_});
  const std::string real = base_.diff_id.hex() + ".tar";
  nlohmann::json manifest =
      nlohmann::json::array({{{"Config", image.config_digest.hex() + ".json"},
                              {"RepoTags", {"docker.io/library/linked:1"}},
                              {"Layers", {"legacy/layer.tar"}}}});
  ASSERT_OK_AND_ASSIGN(
      LoadPlan plan,
      Plan({File(real, base_.blob), testing::Dir("legacy"),
            Symlink("legacy/layer.tar", "../" + real),
            File(image.config_digest.hex() + ".json", image.config),
            File("manifest.json", manifest.dump())}));
  ASSERT_EQ(plan.images.size(), 1u);
  EXPECT_EQ(plan.images[0].layers[0].entry, real);
}

TEST_F(LoadPlanTest, DockerLiesAreRefused) {
  TestImage image = MakeImage({base_, top_});
  const std::vector<TarEntry> good =
      testing::DockerArchive({{image, {"busybox:latest"}}});
  const std::string config = image.config_digest.hex() + ".json";
  const std::string layer2 = top_.diff_id.hex() + "/layer.tar";
  TestImage one_diff_id =
      MakeImage({base_, top_}, HostPlatform(), {base_.diff_id});
  struct Case {
    std::string name;
    std::vector<TarEntry> entries;
    absl::StatusCode code;
    std::vector<std::string> says;
  };
  std::vector<Case> cases = {
      {"missing layer",
       Drop(good, layer2),
       absl::StatusCode::kNotFound,
       {"busybox:latest", "layer 2: entry \"" + layer2 + "\"",
        "not in the archive"}},
      {"config named by another digest",
       Replace(good, config, one_diff_id.config),
       absl::StatusCode::kDataLoss,
       {"config \"" + config + "\"", "content has digest"}},
      {"layers and diff_ids disagree",
       [&] {
         std::vector<TarEntry> e = good;
         const std::string name = one_diff_id.config_digest.hex() + ".json";
         e.push_back(File(name, one_diff_id.config));
         for (TarEntry& t : e) {
           if (t.path != "manifest.json") continue;
           nlohmann::json j = nlohmann::json::parse(t.data);
           j[0]["Config"] = name;
           t.data = j.dump();
         }
         return e;
       }(),
       absl::StatusCode::kInvalidArgument,
       {"lists 2 layers", "rootfs.diff_ids has 1"}},
      {"digest as a tag",
       Replace(
           good, "manifest.json",
           nlohmann::json::array(
               {{{"Config", config},
                 {"RepoTags", {"busybox@" + image.config_digest.ToString()}},
                 {"Layers", {"a", "b"}}}})
               .dump()),
       absl::StatusCode::kInvalidArgument,
       {"RepoTags[0]", "not a tag"}},
      {"malformed manifest.json",
       Replace(good, "manifest.json", "[{"),
       absl::StatusCode::kInvalidArgument,
       {"manifest.json", "malformed"}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    absl::StatusOr<LoadPlan> plan = Plan(c.entries);
    ASSERT_FALSE(plan.ok());
    EXPECT_EQ(plan.status().code(), c.code) << plan.status();
    for (const std::string& s : c.says) {
      EXPECT_THAT(std::string(plan.status().message()), HasSubstr(s));
    }
  }
}

}  // namespace
}  // namespace crate::registry
