// Pull of a real multi-layer image (pushed by skopeo to docker-registry) into
// the content store and snapshots, mounted as overlay; and the same layers
// flattened, compared with what skopeo + umoci unpack.
#include "registry/distribution/layer_pull.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "registry/distribution/ingest_sink.h"
#include "registry/distribution/test_blob_server.h"
#include "registry/image/config.h"
#include "registry/reference/digest.h"
#include "registry/unpack/test_tar.h"
#include "runtime/base/file_util.h"
#include "runtime/base/status_matchers.h"
#include "tests/fixtures/fixtures.h"
#include "tests/fixtures/shared_registry_test.h"

namespace crate::registry {
namespace {

using ::crate::fixtures::LocalRegistry;
using ::crate::fixtures::PushTestImages;
using ::crate::fixtures::RunCommand;
using ::crate::fixtures::SharedRegistryTest;
using ::crate::fixtures::TestImages;
using ::crate::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;

// path -> "type mode uid:gid size sha256/target mtime", for comparing trees.
void Describe(const std::string& root, const std::string& rel,
              std::map<std::string, std::string>* out) {
  std::string dir = rel.empty() ? root : JoinPath(root, rel);
  absl::StatusOr<std::vector<std::string>> names = ListDir(dir);
  ASSERT_OK(names.status());
  for (const std::string& n : *names) {
    std::string r = rel.empty() ? n : JoinPath(rel, n);
    std::string p = JoinPath(root, r);
    struct stat st;
    ASSERT_EQ(lstat(p.c_str(), &st), 0) << p;
    std::string d =
        absl::StrCat(st.st_mode & 07777, " ", st.st_uid, ":", st.st_gid, " ");
    if (S_ISDIR(st.st_mode)) {
      absl::StrAppend(&d, "dir");
      Describe(root, r, out);
    } else if (S_ISLNK(st.st_mode)) {
      char target[4096];
      ssize_t len = readlink(p.c_str(), target, sizeof(target));
      absl::StrAppend(&d, "symlink ", std::string(target, len > 0 ? len : 0),
                      " ", st.st_mtime);
    } else if (S_ISREG(st.st_mode)) {
      absl::StatusOr<std::string> data = ReadFile(p, 256 << 20);
      ASSERT_OK(data.status());
      absl::StrAppend(&d, "file ", st.st_size, " ",
                      Digest::Sha256Of(*data).ToString(), " ", st.st_mtime,
                      " links ", st.st_nlink);
    } else {
      absl::StrAppend(&d, "special ", st.st_mode, " ", st.st_rdev);
    }
    (*out)["/" + r] = d;
  }
}

class LayerPullTest : public SharedRegistryTest {
 protected:
  void SetUp() override {
    SharedRegistryTest::SetUp();
    if (HasFatalFailure()) return;
    if (geteuid() != 0) GTEST_SKIP() << "needs root (owners, whiteouts)";
    ASSERT_OK_AND_ASSIGN(tmp_, MakeTempDir("layer_pull"));
    RegistryConfig config;
    config.certs_dir = JoinPath(tmp_, "certs.d");
    ASSERT_OK_AND_ASSIGN(client_, RegistryClient::Create(config));
    ASSERT_OK_AND_ASSIGN(ContentStore content,
                         ContentStore::Open(JoinPath(tmp_, "content")));
    content_ = std::make_unique<ContentStore>(std::move(content));
    ASSERT_OK_AND_ASSIGN(snapshots_,
                         SnapshotStore::Open(JoinPath(tmp_, "snapshots")));
    const nlohmann::json& desc = images().json["images"]["layers"];
    std::vector<std::string> diff_ids;
    for (const auto& l : desc["layers"]) diff_ids.push_back(l["diff_id"]);
    std::vector<Digest> parsed;
    for (const std::string& d : diff_ids) {
      ASSERT_OK_AND_ASSIGN(Digest p, Digest::Parse(d));
      parsed.push_back(p);
    }
    for (const Digest& c : ChainIds(parsed)) chain_ids_.push_back(c.ToString());
    for (size_t i = 0; i < diff_ids.size(); ++i) {
      LayerToPull l;
      l.digest = desc["layers"][i]["digest"];
      l.size = desc["layers"][i]["size"];
      l.diff_id = diff_ids[i];
      l.chain_id = chain_ids_[i];
      l.description = absl::StrCat("layer ", i + 1, " of crate-test/layers");
      layers_.push_back(l);
    }
  }
  void TearDown() override {
    if (!tmp_.empty()) {
      EXPECT_OK(RemoveTree(tmp_));
    }
  }

  PullTarget Target() {
    return {client_.get(), content_.get(), snapshots_.get(), registry().host(),
            "crate-test/layers"};
  }

  std::string tmp_;
  std::unique_ptr<RegistryClient> client_;
  std::unique_ptr<ContentStore> content_;
  std::unique_ptr<SnapshotStore> snapshots_;
  std::vector<std::string> chain_ids_;
  std::vector<LayerToPull> layers_;
};

TEST_F(LayerPullTest, PullsIntoSnapshotsAndMountsOverlay) {
  for (const absl::Status& s : PullLayers(Target(), layers_, {}, 3)) {
    ASSERT_OK(s);
  }
  for (const LayerToPull& l : layers_) {
    EXPECT_TRUE(content_->Has(*Digest::Parse(l.digest))) << l.digest;
    EXPECT_TRUE(snapshots_->Exists(l.chain_id)) << l.chain_id;
  }
  // Everything is present: a second pull asks the registry nothing.
  uint64_t requests = client_->stats().requests;
  for (const absl::Status& s : PullLayers(Target(), layers_, {}, 3)) {
    ASSERT_OK(s);
  }
  EXPECT_EQ(client_->stats().requests, requests);

  if (!OverlaySupported()) GTEST_SKIP() << "no overlayfs";
  ASSERT_OK_AND_ASSIGN(OverlayMount m, snapshots_->Prepare("c1", chain_ids_));
  SyscallMounter mounter;
  ASSERT_OK(mounter.Mount(m));
  absl::Cleanup unmount = [&] { EXPECT_OK(mounter.Unmount(m.target)); };
  const nlohmann::json& desc = images().json["images"]["layers"];
  for (const auto& [path, item] : desc["files"].items()) {
    SCOPED_TRACE(path);
    std::string p = JoinPath(m.target, path);
    struct stat st;
    ASSERT_EQ(lstat(p.c_str(), &st), 0);
    EXPECT_EQ(st.st_uid, item["uid"].get<uid_t>());
    EXPECT_EQ(st.st_gid, item["gid"].get<gid_t>());
    if (item["type"] != "symlink") {
      EXPECT_EQ(st.st_mode & 07777,
                std::stoul(item["mode"].get<std::string>(), nullptr, 8));
    }
    if (item.contains("sha256")) {
      ASSERT_OK_AND_ASSIGN(std::string data, ReadFile(p, 64 << 20));
      EXPECT_EQ(Digest::Sha256Of(data).ToString(),
                "sha256:" + item["sha256"].get<std::string>());
    }
  }
  for (const auto& path : desc["absent"]) {
    EXPECT_FALSE(PathExists(JoinPath(m.target, path.get<std::string>())))
        << path;
  }
}

TEST_F(LayerPullTest, UnpacksFromTheStoreWhenTheBlobIsThere) {
  for (const LayerToPull& l : layers_) {
    ASSERT_OK(FetchToStore(*client_, *content_, registry().host(),
                           "crate-test/layers", l.digest, l.size,
                           l.description));
  }
  uint64_t requests = client_->stats().requests;
  for (const absl::Status& s : PullLayers(Target(), layers_, {}, 2)) {
    ASSERT_OK(s);
  }
  EXPECT_EQ(client_->stats().requests, requests);
  for (const LayerToPull& l : layers_) {
    EXPECT_TRUE(snapshots_->Exists(l.chain_id));
  }
}

TEST_F(LayerPullTest, WrongDiffIdLeavesNoSnapshot) {
  LayerToPull l = layers_[0];
  l.diff_id = "sha256:" + std::string(64, 'e');
  EXPECT_THAT(PullLayer(Target(), l),
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr("but the image config says " + l.diff_id)));
  EXPECT_FALSE(snapshots_->Exists(l.chain_id));
  // The pull leaves the content store as it found it.
  EXPECT_FALSE(content_->Has(*Digest::Parse(l.digest)));
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> names,
                       ListDir(JoinPath(snapshots_->root(), "snapshots")));
  EXPECT_TRUE(names.empty());
}

TEST_F(LayerPullTest, FlattenMatchesUmoci) {
  std::string oci = JoinPath(tmp_, "oci");
  std::string bundle = JoinPath(tmp_, "bundle");
  std::vector<std::string> copy = {"skopeo", "copy", "--quiet"};
  for (const std::string& f : registry().SkopeoFlags("src")) copy.push_back(f);
  copy.push_back(absl::StrCat("docker://", registry().host(),
                              "/crate-test/layers:latest"));
  copy.push_back("oci:" + oci + ":latest");
  auto start = std::chrono::steady_clock::now();
  ASSERT_OK_AND_ASSIGN(fixtures::CommandResult c, RunCommand(copy));
  ASSERT_EQ(c.exit_code, 0) << c.err;
  ASSERT_OK_AND_ASSIGN(
      c, RunCommand({"umoci", "unpack", "--image", oci + ":latest", bundle}));
  ASSERT_EQ(c.exit_code, 0) << c.err;
  auto peer = std::chrono::steady_clock::now() - start;

  start = std::chrono::steady_clock::now();
  for (const absl::Status& s : PullLayers(Target(), layers_, {}, 3)) {
    ASSERT_OK(s);
  }
  auto ours = std::chrono::steady_clock::now() - start;
  std::cout << "skopeo copy + umoci unpack: "
            << std::chrono::duration<double, std::milli>(peer).count()
            << " ms; crate pull into snapshots: "
            << std::chrono::duration<double, std::milli>(ours).count()
            << " ms (small image: start-up dominated)\n";

  std::string flat = JoinPath(tmp_, "flat");
  ApplyOptions o;
  o.whiteouts = WhiteoutMode::kFlatten;
  for (const LayerToPull& l : layers_) {
    ASSERT_OK_AND_ASSIGN(UniqueFd fd,
                         content_->OpenBlob(*Digest::Parse(l.digest)));
    ASSERT_OK(ApplyLayerFromFd(fd.get(), flat, o).status());
  }
  std::map<std::string, std::string> want, got;
  Describe(JoinPath(bundle, "rootfs"), "", &want);
  Describe(flat, "", &got);
  EXPECT_EQ(got, want);

  // The plain-copy fallback over the snapshots gives the same tree.
  ASSERT_OK_AND_ASSIGN(std::string copied,
                       snapshots_->PrepareCopy("c2", chain_ids_));
  std::map<std::string, std::string> fallback;
  Describe(copied, "", &fallback);
  EXPECT_EQ(fallback, want);
}

// Layers served by the misbehaving stand-in registry.
class StreamingPullTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root (owners)";
    ASSERT_OK_AND_ASSIGN(tmp_, MakeTempDir("streaming_pull"));
    RegistryConfig config;
    config.certs_dir = JoinPath(tmp_, "certs.d");
    config.initial_backoff = absl::Milliseconds(10);
    ASSERT_OK_AND_ASSIGN(client_, RegistryClient::Create(config));
    ASSERT_OK_AND_ASSIGN(ContentStore content,
                         ContentStore::Open(JoinPath(tmp_, "content")));
    content_ = std::make_unique<ContentStore>(std::move(content));
    ASSERT_OK_AND_ASSIGN(snapshots_,
                         SnapshotStore::Open(JoinPath(tmp_, "snapshots")));
    outside_ = JoinPath(tmp_, "outside");
    ASSERT_OK(MakeDirs(outside_));
  }
  void TearDown() override {
    server_.reset();
    if (!tmp_.empty()) {
      EXPECT_OK(RemoveTree(tmp_));
    }
  }

  // Serves a gzip layer of `entries`; returns its descriptor.
  LayerToPull Serve(const std::vector<testing::TarEntry>& entries) {
    std::string tar = JoinPath(tmp_, "layer.tar");
    std::string gz = JoinPath(tmp_, "layer.tar.gz");
    EXPECT_OK(testing::WriteTar(tar, entries, testing::Compression::kNone));
    EXPECT_OK(testing::WriteTar(gz, entries, testing::Compression::kGzip));
    absl::StatusOr<std::string> plain = ReadFile(tar, 256 << 20);
    absl::StatusOr<std::string> blob = ReadFile(gz, 256 << 20);
    EXPECT_OK(blob.status());
    absl::StatusOr<std::unique_ptr<testing::BlobServer>> server =
        testing::BlobServer::Start(JoinPath(tmp_, "server"), *blob);
    EXPECT_OK(server.status());
    if (server.ok()) server_ = std::move(*server);
    LayerToPull l;
    l.digest = Digest::Sha256Of(*blob).ToString();
    l.size = static_cast<int64_t>(blob->size());
    l.diff_id = Digest::Sha256Of(*plain).ToString();
    l.chain_id = l.diff_id;
    l.description = "layer 1 of test";
    return l;
  }

  PullTarget Target(const std::string& repo) {
    return {client_.get(), content_.get(), snapshots_.get(), server_->host(),
            repo};
  }

  std::vector<testing::TarEntry> BigLayer() {
    // Incompressible enough to span many reads, so that the stream breaks
    // in the middle of the tar.
    std::string data(4 << 20, '\0');
    uint32_t x = 1;
    for (char& c : data) {
      x = x * 1103515245 + 12345;
      c = static_cast<char>(x >> 24);
    }
    return {testing::Dir("bin"), testing::File("bin/big", data, 0755),
            testing::File("etc/hostname", "box\n")};
  }

  void ExpectUnpacked(const LayerToPull& l) {
    EXPECT_TRUE(content_->Has(*Digest::Parse(l.digest)));
    ASSERT_OK_AND_ASSIGN(std::string fs, snapshots_->FsDir(l.chain_id));
    EXPECT_EQ(ReadFile(JoinPath(fs, "etc/hostname")).value_or(""), "box\n");
    struct stat st;
    ASSERT_EQ(stat(JoinPath(fs, "bin/big").c_str(), &st), 0);
    EXPECT_EQ(st.st_size, 4 << 20);
  }

  std::string tmp_, outside_;
  std::unique_ptr<RegistryClient> client_;
  std::unique_ptr<ContentStore> content_;
  std::unique_ptr<SnapshotStore> snapshots_;
  std::unique_ptr<testing::BlobServer> server_;
};

TEST_F(StreamingPullTest, BrokenTransferResumesIntoTheSameUnpack) {
  LayerToPull l = Serve(BigLayer());
  ASSERT_OK(PullLayer(Target("broken"), l));
  ExpectUnpacked(l);
  EXPECT_EQ(client_->stats().resumes, 1u);
}

TEST_F(StreamingPullTest, IgnoredRangeFallsBackToTheStore) {
  LayerToPull l = Serve(BigLayer());
  ASSERT_OK(PullLayer(Target("norange"), l));
  ExpectUnpacked(l);
}

TEST_F(StreamingPullTest, CorruptBlobLeavesNothing) {
  LayerToPull l = Serve(BigLayer());
  EXPECT_THAT(PullLayer(Target("corrupt"), l),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr(l.digest)));
  EXPECT_FALSE(content_->Has(*Digest::Parse(l.digest)));
  EXPECT_FALSE(snapshots_->Exists(l.chain_id));
}

TEST_F(StreamingPullTest, EscapingLayerIsRefusedAndLeavesTheStoresAsTheyWere) {
  LayerToPull l =
      Serve({testing::Symlink("a", outside_), testing::File("a/evil", "x")});
  EXPECT_THAT(PullLayer(Target("ok"), l),
              StatusIs(absl::StatusCode::kPermissionDenied,
                       AllOf(HasSubstr("layer 1 of test"), HasSubstr("a/evil"),
                             HasSubstr("reaches outside the layer"))));
  EXPECT_FALSE(content_->Has(*Digest::Parse(l.digest)));
  EXPECT_FALSE(snapshots_->Exists(l.chain_id));
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> names, ListDir(outside_));
  EXPECT_TRUE(names.empty());
  ASSERT_OK_AND_ASSIGN(names,
                       ListDir(JoinPath(snapshots_->root(), "snapshots")));
  EXPECT_TRUE(names.empty());
}

TEST_F(StreamingPullTest, DecompressionBombIsRefused) {
  testing::TarEntry zeros = testing::File("zeros", "");
  zeros.zeros = 64 << 20;
  LayerToPull l = Serve({zeros});
  ApplyOptions o;
  o.max_uncompressed_bytes = 16 << 20;
  EXPECT_THAT(
      PullLayer(Target("ok"), l, o),
      StatusIs(absl::StatusCode::kResourceExhausted,
               AllOf(HasSubstr(l.digest), HasSubstr("the configured limit"))));
  EXPECT_FALSE(content_->Has(*Digest::Parse(l.digest)));
  EXPECT_FALSE(snapshots_->Exists(l.chain_id));
}

TEST_F(StreamingPullTest, ImageBoundIsRefusedAndLeavesTheStoresAsTheyWere) {
  // A file of 64 MiB of zeros, streamed from the registry: under the bound
  // per layer, over what is left of the image's.
  testing::TarEntry zeros = testing::File("zeros", "");
  zeros.zeros = 64 << 20;
  LayerToPull l = Serve({zeros});
  ImageUnpackBudget budget("127.0.0.1/test:bomb", 16 << 20);
  ApplyOptions o;
  o.image_budget = &budget;
  EXPECT_THAT(PullLayer(Target("ok"), l, o),
              StatusIs(absl::StatusCode::kResourceExhausted,
                       AllOf(HasSubstr("layer 1 of test"), HasSubstr(l.digest),
                             HasSubstr("image 127.0.0.1/test:bomb"),
                             HasSubstr("more than 16777216 bytes together"))));
  EXPECT_EQ(budget.used(), 0u);
  EXPECT_FALSE(content_->Has(*Digest::Parse(l.digest)));
  EXPECT_FALSE(snapshots_->Exists(l.chain_id));
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> names,
                       ListDir(JoinPath(snapshots_->root(), "snapshots")));
  EXPECT_TRUE(names.empty());
  ASSERT_OK_AND_ASSIGN(names, ListDir(JoinPath(content_->root(), "ingest")));
  EXPECT_TRUE(names.empty());
}

TEST_F(StreamingPullTest, PartialIngestOfAnEarlierPullIsResumed) {
  LayerToPull l = Serve(BigLayer());
  ASSERT_OK_AND_ASSIGN(std::string blob,
                       ReadFile(JoinPath(tmp_, "layer.tar.gz"), 256 << 20));
  {
    // An earlier pull that died halfway.
    IngestOptions io;
    io.expected_digest = *Digest::Parse(l.digest);
    io.expected_size = l.size;
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<Ingest> ingest,
                         content_->StartIngest(io));
    ASSERT_OK(
        ingest->Write(absl::string_view(blob).substr(0, blob.size() / 2)));
  }
  ASSERT_OK(PullLayer(Target("ok"), l));
  ExpectUnpacked(l);
  EXPECT_THAT(server_->Ranges("ok"), ::testing::ElementsAre(absl::StrCat(
                                         "bytes=", blob.size() / 2, "-")));
}

}  // namespace
}  // namespace crate::registry
