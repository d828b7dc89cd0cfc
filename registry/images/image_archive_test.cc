// ImageService::Load and Save over real stores in a temporary directory,
// with archives built here: both formats loaded, named and unpacked;
// hostile and lying archives refused with the stores as they were; saves
// read back by Load.
#include <sys/stat.h>
#include <unistd.h>

#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "registry/archive/oci_layout.h"
#include "registry/archive/test_archive.h"
#include "registry/image/media_types.h"
#include "registry/images/image_service.h"
#include "runtime/base/file_util.h"
#include "runtime/base/status_matchers.h"
#include "runtime/base/unique_fd.h"

namespace crate::registry {
namespace {

using ::crate::testing::StatusIs;
using ::testing::AllOf;
using testing::BlobEntry;
using testing::Compression;
using ::testing::ElementsAre;
using testing::File;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using testing::MakeImage;
using testing::MakeLayer;
using testing::SmallTree;
using testing::TarEntry;
using testing::TestImage;
using testing::TestLayer;

// What the stores hold, to show that a refused load changed nothing.
struct StoreState {
  std::set<std::string> blobs, snapshots, images, ingest;
  friend bool operator==(const StoreState& a, const StoreState& b) {
    return a.blobs == b.blobs && a.snapshots == b.snapshots &&
           a.images == b.images && a.ingest == b.ingest;
  }
};

std::ostream& operator<<(std::ostream& os, const StoreState& s) {
  for (const auto* set : {&s.blobs, &s.snapshots, &s.images, &s.ingest}) {
    os << "[";
    for (const std::string& x : *set) os << " " << x;
    os << " ] ";
  }
  return os;
}

StoreState State(ImageService& service) {
  StoreState s;
  EXPECT_OK(service.content().Walk([&](const BlobInfo& b) {
    s.blobs.insert(b.digest.ToString());
    return absl::OkStatus();
  }));
  absl::StatusOr<std::vector<std::string>> snaps = service.snapshots().List();
  EXPECT_OK(snaps.status());
  if (snaps.ok()) s.snapshots.insert(snaps->begin(), snaps->end());
  absl::StatusOr<std::vector<ImageSummary>> list = service.List();
  EXPECT_OK(list.status());
  if (list.ok()) {
    for (const ImageSummary& i : *list) {
      std::string line = i.record.manifest_digest.ToString();
      for (const std::string& t : i.tags) line += " " + t;
      s.images.insert(line);
    }
  }
  absl::StatusOr<std::vector<std::string>> ingest =
      ListDir(JoinPath(service.content().root(), "ingest"));
  if (ingest.ok()) s.ingest.insert(ingest->begin(), ingest->end());
  return s;
}

std::string Tags(const LoadedImage& image) {
  std::string out;
  for (const Reference& r : image.tags) out += r.String() + " ";
  return out;
}

class ImageArchiveTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(dir_, MakeTempDir("image-archive"));
    ASSERT_OK_AND_ASSIGN(
        base_, MakeLayer(SmallTree("base"), Compression::kNone, dir_));
    ASSERT_OK_AND_ASSIGN(top_,
                         MakeLayer(SmallTree("top"), Compression::kGzip, dir_));
    service_ = Service("root");
  }
  void TearDown() override {
    service_.reset();
    RemoveTree(dir_).IgnoreError();
  }

  std::unique_ptr<ImageService> Service(const std::string& name) {
    absl::StatusOr<std::unique_ptr<ImageService>> s =
        ImageService::Open(JoinPath(dir_, name));
    EXPECT_OK(s.status());
    return s.ok() ? *std::move(s) : nullptr;
  }

  std::string Archive(const std::vector<TarEntry>& entries,
                      Compression compression = Compression::kNone) {
    const std::string path =
        JoinPath(dir_, absl::StrCat("archive-", ++n_, ".tar"));
    EXPECT_OK(testing::WriteTar(path, entries, compression));
    return path;
  }

  // The file `rel` of the image's root file system (a copy).
  std::string ReadInRootfs(ImageService& service, const std::string& image,
                           const std::string& rel) {
    const std::string id = absl::StrCat("c", ++n_);
    absl::StatusOr<RootfsSpec> fs =
        service.PrepareRootfs(id, image, {/*force_copy=*/true});
    EXPECT_OK(fs.status());
    if (!fs.ok()) return "";
    absl::StatusOr<std::string> data = ReadFile(JoinPath(fs->path, rel));
    EXPECT_OK(service.ReleaseRootfs(id));
    return data.ok() ? *data : "<" + std::string(data.status().message()) + ">";
  }

  std::string dir_;
  int n_ = 0;
  TestLayer base_, top_;
  std::unique_ptr<ImageService> service_;
};

TEST_F(ImageArchiveTest, LoadsAnOciArchive) {
  TestImage one = MakeImage({base_, top_});
  TestImage two = MakeImage({base_});
  const std::string path =
      Archive(testing::OciArchive({{one, "docker.io/library/one:1"},
                                   {two, "example.com/two:latest"},
                                   {one, "one:again"}}));
  ASSERT_OK_AND_ASSIGN(LoadResult r, service_->Load(path));
  EXPECT_EQ(r.format, ArchiveFormat::kOciArchive);
  ASSERT_EQ(r.images.size(), 2u);
  EXPECT_EQ(Tags(r.images[0]),
            "docker.io/library/one:1 docker.io/library/one:again ");
  EXPECT_EQ(r.images[0].record.manifest_digest, one.manifest_digest);
  EXPECT_EQ(r.images[0].record.config_digest, one.config_digest);
  EXPECT_EQ(r.images[0].chain_ids.size(), 2u);
  EXPECT_EQ(Tags(r.images[1]), "example.com/two:latest ");
  EXPECT_EQ(ReadInRootfs(*service_, "one:1", "etc/top-1"), "top 1");
  EXPECT_EQ(ReadInRootfs(*service_, "example.com/two", "etc/base-0"), "base 0");
  ASSERT_OK_AND_ASSIGN(ServiceVerifyReport verify, service_->Verify());
  EXPECT_THAT(verify.content.problems, IsEmpty());
  EXPECT_THAT(verify.image_problems, IsEmpty());

  // Loading it again stores nothing new.
  StoreState before = State(*service_);
  ASSERT_OK(service_->Load(path).status());
  EXPECT_EQ(State(*service_), before);
}

TEST_F(ImageArchiveTest, LoadsADockerArchive) {
  TestImage image = MakeImage({base_, top_});
  TestImage untagged = MakeImage({top_});
  const std::string path = Archive(testing::DockerArchive(
      {{image, {"busybox:latest", "127.0.0.1:5000/x/y:2"}}, {untagged, {}}}));
  ASSERT_OK_AND_ASSIGN(LoadResult r, service_->Load(path));
  EXPECT_EQ(r.format, ArchiveFormat::kDockerArchive);
  ASSERT_EQ(r.images.size(), 2u);
  EXPECT_EQ(Tags(r.images[0]),
            "docker.io/library/busybox:latest 127.0.0.1:5000/x/y:2 ");
  // The image ID is Docker's: the config's digest.
  EXPECT_EQ(r.images[0].record.config_digest, image.config_digest);
  EXPECT_EQ(r.images[0].record.manifest_media_type, kOciManifest);
  // Layers are stored as they were in the archive.
  EXPECT_THAT(r.images[0].record.layers,
              ElementsAre(base_.digest, top_.digest));
  EXPECT_TRUE(r.images[1].tags.empty());
  ASSERT_OK_AND_ASSIGN(ResolvedImage by_id,
                       service_->Resolve(untagged.config_digest.ToString()));
  EXPECT_EQ(by_id.record.manifest_digest, r.images[1].record.manifest_digest);
  EXPECT_EQ(ReadInRootfs(*service_, "busybox", "etc/top-0"), "top 0");

  // The manifest made for it is the same every time.
  std::unique_ptr<ImageService> other = Service("other");
  ASSERT_OK_AND_ASSIGN(LoadResult again, other->Load(path));
  EXPECT_EQ(again.images[0].record.manifest_digest,
            r.images[0].record.manifest_digest);
}

TEST_F(ImageArchiveTest, CompressedArchivesLoad) {
  TestImage image = MakeImage({base_, top_});
  for (Compression c : {Compression::kGzip, Compression::kZstd}) {
    std::unique_ptr<ImageService> s = Service(absl::StrCat("c", int(c)));
    ASSERT_OK(s->Load(Archive(testing::DockerArchive({{image, {"z:1"}}}), c))
                  .status());
    ASSERT_OK(
        s->Load(Archive(testing::OciArchive({{image, "o:1"}}), c)).status());
    EXPECT_EQ(ReadInRootfs(*s, "z:1", "etc/top-1"), "top 1");
    EXPECT_EQ(ReadInRootfs(*s, "o:1", "etc/top-1"), "top 1");
  }
}

TEST_F(ImageArchiveTest, ABareTagNeedsAName) {
  TestImage image = MakeImage({base_});
  const std::string path = Archive(testing::OciArchive({{image, "1.36"}}));
  StoreState before = State(*service_);
  EXPECT_THAT(service_->Load(path),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr(path),
                             HasSubstr(image.manifest_digest.ToString()),
                             HasSubstr("only by the tag \"1.36\""))));
  EXPECT_EQ(State(*service_), before);
  LoadOptions options;
  options.name = "busybox";
  ASSERT_OK_AND_ASSIGN(LoadResult r, service_->Load(path, options));
  EXPECT_EQ(Tags(r.images[0]), "docker.io/library/busybox:1.36 ");
}

// One hostile or lying archive: what it is, and what the refusal must say.
struct Hostile {
  std::string name;
  std::vector<TarEntry> entries;
  absl::StatusCode code;
  std::vector<std::string> says;
  LoadOptions options;
  bool truncate = false;
};

TEST_F(ImageArchiveTest, HostileArchivesLeaveTheStoresAsTheyWere) {
  ASSERT_OK_AND_ASSIGN(
      TestLayer dotdot,
      MakeLayer({File("../crate-escape", "x")}, Compression::kGzip, dir_));
  ASSERT_OK_AND_ASSIGN(TestLayer absolute,
                       MakeLayer({File("/tmp/crate-escape-absolute", "x")},
                                 Compression::kNone, dir_));
  TarEntry zeros = File("zeros", "");
  zeros.zeros = 8 << 20;
  ASSERT_OK_AND_ASSIGN(TestLayer bomb,
                       MakeLayer({zeros}, Compression::kGzip, dir_));
  ASSERT_LT(bomb.blob.size(), 100000u);
  TestImage good = MakeImage({base_, top_});
  const std::string top_entry = top_.diff_id.hex() + "/layer.tar";
  const std::string base_entry = base_.diff_id.hex() + "/layer.tar";

  std::vector<Hostile> cases;
  {
    // An OCI layer blob whose bytes are not what its name says. (A blob
    // the store holds already is not read from the archive at all.)
    std::vector<TarEntry> e = testing::OciArchive({{good, "x:1"}});
    for (TarEntry& t : e) {
      if (t.path == OciBlobPath(top_.digest)) t.data[t.data.size() / 2] ^= 1;
    }
    cases.push_back({"blob digest lies",
                     e,
                     absl::StatusCode::kDataLoss,
                     {"docker.io/library/x:1", "layer 2",
                      OciBlobPath(top_.digest), "content has digest"}});
  }
  cases.push_back({"layer entry ../x",
                   testing::OciArchive({{MakeImage({base_, dotdot}), "x:1"}}),
                   absl::StatusCode::kPermissionDenied,
                   {dotdot.digest.ToString(), "\"../crate-escape\"", ".."}});
  cases.push_back(
      {"layer entry with an absolute path",
       testing::DockerArchive({{MakeImage({base_, absolute}), {"x:1"}}}),
       absl::StatusCode::kPermissionDenied,
       {"docker.io/library/x:1", "\"/tmp/crate-escape-absolute\"",
        "absolute"}});
  {
    std::vector<TarEntry> e = testing::OciArchive({{good, "x:1"}});
    e.insert(e.begin(), File("../outside", "x"));
    cases.push_back({"archive entry ../x",
                     e,
                     absl::StatusCode::kPermissionDenied,
                     {"\"../outside\"", ".."}});
  }
  {
    std::vector<TarEntry> e = testing::DockerArchive({{good, {"x:1"}}});
    std::vector<TarEntry> kept;
    for (TarEntry& t : e) {
      if (t.path != top_entry) kept.push_back(t);
    }
    cases.push_back({"manifest.json names a missing layer",
                     kept,
                     absl::StatusCode::kNotFound,
                     {"x:1", "layer 2: entry \"" + top_entry + "\"",
                      "not in the archive"}});
  }
  cases.push_back({"truncated tar",
                   testing::DockerArchive({{good, {"x:1"}}}),
                   absl::StatusCode::kDataLoss,
                   {},
                   {},
                   /*truncate=*/true});
  cases.push_back(
      {"uncompressed layer whose DiffID lies",
       testing::DockerArchive({{MakeImage({base_, top_}, HostPlatform(),
                                          {top_.diff_id, top_.diff_id}),
                                {"x:1"}}}),
       absl::StatusCode::kDataLoss,
       {"x:1", "layer 1 (entry \"" + base_entry + "\")",
        "rootfs.diff_ids[0] says " + top_.diff_id.ToString()}});
  cases.push_back(
      {"gzip layer whose DiffID lies",
       testing::DockerArchive({{MakeImage({base_, top_}, HostPlatform(),
                                          {base_.diff_id, base_.diff_id}),
                                {"x:1"}}}),
       absl::StatusCode::kDataLoss,
       {"x:1", "layer 2 (" + top_.digest.ToString() + ")",
        "uncompressed it hashes to " + top_.diff_id.ToString()}});
  cases.push_back(
      {"OCI layer whose DiffID lies",
       testing::OciArchive({{MakeImage({base_, top_}, HostPlatform(),
                                       {base_.diff_id, base_.diff_id}),
                             "x:1"}}),
       absl::StatusCode::kDataLoss,
       {"x:1", top_.digest.ToString(), "uncompressed it hashes to"}});
  {
    Hostile h{"gzip bomb past the layer bound",
              testing::DockerArchive({{MakeImage({base_, bomb}), {"x:1"}}}),
              absl::StatusCode::kResourceExhausted,
              {"x:1", bomb.digest.ToString(), "more than 1048576 bytes"}};
    h.options.max_layer_bytes = 1 << 20;
    cases.push_back(h);
  }
  {
    Hostile h{"layers past the image bound",
              testing::OciArchive({{MakeImage({base_, bomb}), "x:1"}}),
              absl::StatusCode::kResourceExhausted,
              {"x:1", "(the configured limit per image)"}};
    h.options.max_image_bytes = 8 << 20;
    cases.push_back(h);
  }
  cases.push_back({"a good image beside a bad one",
                   testing::OciArchive({{good, "good:1"},
                                        {MakeImage({base_, dotdot}), "bad:1"}}),
                   absl::StatusCode::kPermissionDenied,
                   {"bad:1", "\"../crate-escape\""}});

  for (bool with_base : {false, true}) {
    std::unique_ptr<ImageService> service =
        Service(with_base ? "with-base" : "empty");
    if (with_base) {
      // The layers the hostile images share are stored and unpacked.
      ASSERT_OK(service
                    ->Load(Archive(
                        testing::OciArchive({{MakeImage({base_}), "base:1"}})))
                    .status());
    }
    for (const Hostile& h : cases) {
      SCOPED_TRACE(absl::StrCat(h.name, with_base ? " (with base)" : ""));
      std::string path = Archive(h.entries);
      if (h.truncate) {
        ASSERT_OK_AND_ASSIGN(std::string bytes, ReadFile(path, 1 << 30));
        ASSERT_OK(WriteFileAtomic(path, bytes.substr(0, bytes.size() / 2)));
      }
      StoreState before = State(*service);
      absl::StatusOr<LoadResult> r = service->Load(path, h.options);
      ASSERT_FALSE(r.ok()) << "a hostile archive was loaded";
      EXPECT_EQ(r.status().code(), h.code) << r.status();
      const std::string msg(r.status().message());
      EXPECT_THAT(msg, HasSubstr(path));
      for (const std::string& s : h.says) EXPECT_THAT(msg, HasSubstr(s));
      EXPECT_EQ(State(*service), before);
      EXPECT_FALSE(PathExists(JoinPath(dir_, "crate-escape")));
      EXPECT_FALSE(PathExists("/tmp/crate-escape-absolute"));
    }
    ASSERT_OK_AND_ASSIGN(ServiceVerifyReport verify, service->Verify());
    EXPECT_THAT(verify.content.problems, IsEmpty());
    EXPECT_THAT(verify.image_problems, IsEmpty());
  }
}

TEST_F(ImageArchiveTest, SaveAndLoadBack) {
  TestImage one = MakeImage({base_, top_});
  TestImage two = MakeImage({top_});
  ASSERT_OK(service_
                ->Load(Archive(testing::OciArchive(
                    {{one, "one:1"}, {two, "example.com/two:2"}})))
                .status());
  ASSERT_OK(service_->Tag("one:1", "one:also"));
  for (ArchiveFormat format :
       {ArchiveFormat::kOciArchive, ArchiveFormat::kDockerArchive}) {
    SCOPED_TRACE(ArchiveFormatName(format));
    const std::string out =
        JoinPath(dir_, absl::StrCat(ArchiveFormatName(format), ".tar"));
    ASSERT_OK(service_->Save({"one:1", "one:also", "example.com/two:2",
                              two.config_digest.ToString()},
                             format, out));
    // Nothing but the archive is left beside it.
    ASSERT_OK_AND_ASSIGN(std::vector<std::string> names, ListDir(dir_));
    for (const std::string& n : names) {
      EXPECT_FALSE(absl::StartsWith(n, ".")) << n;
    }
    std::unique_ptr<ImageService> fresh =
        Service(absl::StrCat("fresh-", ArchiveFormatName(format)));
    ASSERT_OK_AND_ASSIGN(LoadResult r, fresh->Load(out));
    EXPECT_EQ(r.format, format);
    ASSERT_EQ(r.images.size(), 2u);
    EXPECT_EQ(Tags(r.images[0]),
              "docker.io/library/one:1 docker.io/library/one:also ");
    EXPECT_EQ(Tags(r.images[1]), "example.com/two:2 ");
    EXPECT_EQ(r.images[0].record.config_digest, one.config_digest);
    EXPECT_EQ(r.images[1].record.config_digest, two.config_digest);
    if (format == ArchiveFormat::kOciArchive) {
      // OCI manifests are saved byte for byte.
      EXPECT_EQ(r.images[0].record.manifest_digest, one.manifest_digest);
      EXPECT_THAT(r.images[0].record.layers,
                  ElementsAre(base_.digest, top_.digest));
    } else {
      // Docker's layers are the uncompressed tars.
      EXPECT_THAT(r.images[0].record.layers,
                  ElementsAre(base_.diff_id, top_.diff_id));
    }
    EXPECT_EQ(ReadInRootfs(*fresh, "one:also", "etc/top-0"), "top 0");
  }

  // By ID alone: no name goes with it.
  const std::string by_id = JoinPath(dir_, "by-id.tar");
  ASSERT_OK(service_->Save({one.config_digest.ToString()},
                           ArchiveFormat::kOciArchive, by_id));
  std::unique_ptr<ImageService> fresh = Service("fresh-by-id");
  ASSERT_OK_AND_ASSIGN(LoadResult r, fresh->Load(by_id));
  ASSERT_EQ(r.images.size(), 1u);
  EXPECT_TRUE(r.images[0].tags.empty());
}

TEST_F(ImageArchiveTest, ADockerSchema2ImageIsSavedAsOci) {
  // A Docker schema 2 manifest, as a registry serves one.
  TestImage image = MakeImage({top_});
  nlohmann::json m = nlohmann::json::parse(image.manifest);
  m["mediaType"] = kDockerManifest;
  m["config"]["mediaType"] = kDockerConfig;
  m["layers"][0]["mediaType"] = kDockerLayerGzip;
  image.manifest = m.dump();
  image.manifest_digest = Digest::Sha256Of(image.manifest);
  std::vector<TarEntry> entries = testing::OciArchive({{image, "v2s2:1"}});
  ASSERT_OK(service_->Load(Archive(entries)).status());
  ASSERT_OK_AND_ASSIGN(ResolvedImage loaded, service_->Resolve("v2s2:1"));
  EXPECT_EQ(loaded.record.manifest_media_type, kDockerManifest);

  const std::string out = JoinPath(dir_, "v2s2.tar");
  ASSERT_OK(service_->Save({"v2s2:1"}, ArchiveFormat::kOciArchive, out));
  std::unique_ptr<ImageService> fresh = Service("fresh");
  ASSERT_OK_AND_ASSIGN(LoadResult r, fresh->Load(out));
  EXPECT_EQ(r.images[0].record.manifest_media_type, kOciManifest);
  EXPECT_NE(r.images[0].record.manifest_digest, image.manifest_digest);
  EXPECT_EQ(r.images[0].record.config_digest, image.config_digest);
  EXPECT_THAT(r.images[0].record.layers, ElementsAre(top_.digest));
}

TEST_F(ImageArchiveTest, RefusedSavesLeaveWhatWasThere) {
  ASSERT_OK(
      service_
          ->Load(Archive(testing::OciArchive({{MakeImage({base_}), "one:1"}})))
          .status());
  const std::string out = JoinPath(dir_, "keep.tar");
  ASSERT_OK(WriteFileAtomic(out, "previous"));
  EXPECT_THAT(
      service_->Save({"one:1", "nothere:1"}, ArchiveFormat::kOciArchive, out),
      StatusIs(absl::StatusCode::kNotFound, HasSubstr("nothere")));
  EXPECT_THAT(
      service_->Save({}, ArchiveFormat::kOciArchive, out),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("no images")));
  ASSERT_OK_AND_ASSIGN(std::string kept, ReadFile(out));
  EXPECT_EQ(kept, "previous");
  EXPECT_FALSE(service_
                   ->Save({"one:1"}, ArchiveFormat::kDockerArchive,
                          JoinPath(dir_, "no/such/dir/out.tar"))
                   .ok());
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> names, ListDir(dir_));
  for (const std::string& n : names) {
    EXPECT_FALSE(absl::StartsWith(n, ".")) << n;
  }
}

}  // namespace
}  // namespace crate::registry
