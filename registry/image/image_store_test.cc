#include "registry/image/image_store.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

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
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

ImageRecord MakeRecord(const std::string& name, int created_year = 2024) {
  ImageRecord r;
  r.manifest_digest = Digest::Sha256Of("manifest " + name);
  r.manifest_media_type = "application/vnd.oci.image.manifest.v1+json";
  r.config_digest = Digest::Sha256Of("config " + name);
  r.layers = {Digest::Sha256Of("layer0 " + name),
              Digest::Sha256Of("layer1 " + name)};
  r.layer_sizes = {100, 200};
  r.size = 1000;
  r.created = absl::FromCivil(absl::CivilSecond(created_year, 1, 1, 0, 0, 0),
                              absl::UTCTimeZone());
  r.platform = "linux/amd64";
  return r;
}

Reference Ref(const std::string& s) { return *Reference::Parse(s); }

ImageUsersFn NoUsers() {
  return [](const ImageRecord&) { return std::vector<std::string>{}; };
}

class ImageStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(dir_, MakeTempDir("image_store_test"));
    ASSERT_OK_AND_ASSIGN(ImageStore s, ImageStore::Open(dir_));
    store_ = std::make_unique<ImageStore>(std::move(s));
  }
  void TearDown() override { ASSERT_OK(RemoveTree(dir_)); }

  std::string dir_;
  std::unique_ptr<ImageStore> store_;
};

TEST_F(ImageStoreTest, EmptyStore) {
  EXPECT_THAT(store_->List(), ::testing::Truly([](const auto& l) {
                return l.ok() && l->empty();
              }));
  EXPECT_THAT(store_->Resolve("alpine"),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr("image \"alpine\": not found")));
}

TEST_F(ImageStoreTest, PutTagResolve) {
  ImageRecord a = MakeRecord("alpine");
  a.repo_digests = {"docker.io/library/alpine@" + a.manifest_digest.ToString()};
  a.index_digest = Digest::Sha256Of("index alpine");
  ASSERT_OK(store_->Put(a));
  ASSERT_OK_AND_ASSIGN(auto previous,
                       store_->Tag(Ref("alpine"), a.manifest_digest));
  EXPECT_FALSE(previous.has_value());

  for (const std::string& name : std::vector<std::string>{
           "alpine",
           "alpine:latest",
           "docker.io/library/alpine",
           "index.docker.io/library/alpine:latest",
           a.config_digest.hex().substr(0, 12),
           a.config_digest.hex(),
           "sha256:" + a.config_digest.hex().substr(0, 5),
           a.config_digest.ToString(),
           a.manifest_digest.ToString(),
           "alpine@" + a.manifest_digest.ToString(),
           "alpine@" + a.index_digest->ToString(),
       }) {
    SCOPED_TRACE(name);
    ASSERT_OK_AND_ASSIGN(ResolvedImage r, store_->Resolve(name));
    EXPECT_EQ(r.record.manifest_digest, a.manifest_digest);
    EXPECT_EQ(r.record.config_digest, a.config_digest);
    EXPECT_EQ(r.record.layers, a.layers);
    EXPECT_EQ(r.record.index_digest, a.index_digest);
    EXPECT_EQ(r.record.created, a.created);
  }
  ASSERT_OK_AND_ASSIGN(ResolvedImage r, store_->Resolve("alpine"));
  ASSERT_TRUE(r.reference.has_value());
  EXPECT_EQ(r.reference->String(), "docker.io/library/alpine:latest");
  // Other names, tags and digests are not this image.
  for (const std::string& name : std::vector<std::string>{
           "alpine:3.19", "busybox", "other@" + a.manifest_digest.ToString(),
           "alpine@" + Digest::Sha256Of("x").ToString(), "zzzz"}) {
    EXPECT_THAT(store_->Resolve(name),
                StatusIs(absl::StatusCode::kNotFound, HasSubstr(name)));
  }
}

TEST_F(ImageStoreTest, TagsMoveAndUntag) {
  ImageRecord one = MakeRecord("one");
  ImageRecord two = MakeRecord("two");
  ASSERT_OK(store_->Put(one));
  ASSERT_OK(store_->Put(two));
  ASSERT_OK(store_->Tag(Ref("app:v1"), one.manifest_digest).status());
  ASSERT_OK_AND_ASSIGN(auto previous,
                       store_->Tag(Ref("app:v1"), two.manifest_digest));
  EXPECT_EQ(previous, one.manifest_digest);
  ASSERT_OK_AND_ASSIGN(ResolvedImage r, store_->Resolve("app:v1"));
  EXPECT_EQ(r.record.manifest_digest, two.manifest_digest);

  EXPECT_THAT(
      store_->Tag(Ref("app:v2"), Digest::Sha256Of("nope")),
      StatusIs(absl::StatusCode::kNotFound, HasSubstr("is not in the store")));
  EXPECT_THAT(
      store_->Tag(Ref("app@" + one.manifest_digest.ToString()),
                  one.manifest_digest),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("digest")));

  ASSERT_OK_AND_ASSIGN(Digest untagged, store_->Untag(Ref("app:v1")));
  EXPECT_EQ(untagged, two.manifest_digest);
  EXPECT_THAT(store_->Untag(Ref("app:v1")),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr("docker.io/library/app:v1: no such tag")));
  // The image stays, findable by ID.
  EXPECT_OK(store_->Resolve(two.config_digest.hex().substr(0, 12)));
}

TEST_F(ImageStoreTest, ListNewestFirstWithTags) {
  ImageRecord old_image = MakeRecord("old", 2020);
  ImageRecord new_image = MakeRecord("new", 2024);
  ASSERT_OK(store_->Put(old_image));
  ASSERT_OK(store_->Put(new_image));
  ASSERT_OK(store_->Tag(Ref("old:1"), old_image.manifest_digest).status());
  ASSERT_OK(store_->Tag(Ref("old:2"), old_image.manifest_digest).status());
  ASSERT_OK_AND_ASSIGN(std::vector<ImageSummary> list, store_->List());
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].record.manifest_digest, new_image.manifest_digest);
  EXPECT_THAT(list[0].tags, IsEmpty());
  EXPECT_THAT(list[1].tags, ElementsAre("docker.io/library/old:1",
                                        "docker.io/library/old:2"));
  EXPECT_EQ(list[1].record.size, 1000u);
  EXPECT_NE(list[1].record.added, absl::InfinitePast());
}

TEST_F(ImageStoreTest, AmbiguousIdPrefix) {
  // Find two records whose IDs share a first hex digit.
  std::vector<ImageRecord> records;
  std::string shared;
  for (int i = 0; shared.empty(); ++i) {
    records.push_back(MakeRecord(absl::StrCat("r", i)));
    ASSERT_OK(store_->Put(records.back()));
    for (size_t j = 0; j + 1 < records.size(); ++j) {
      if (records[j].config_digest.hex()[0] ==
          records.back().config_digest.hex()[0]) {
        shared = records.back().config_digest.hex().substr(0, 1);
      }
    }
  }
  EXPECT_THAT(store_->Resolve(shared),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("is ambiguous")));
}

TEST_F(ImageStoreTest, RemoveByTagUntagsThenDeletes) {
  ImageRecord a = MakeRecord("a");
  ASSERT_OK(store_->Put(a));
  ASSERT_OK(store_->Tag(Ref("a:1"), a.manifest_digest).status());
  ASSERT_OK(store_->Tag(Ref("a:2"), a.manifest_digest).status());
  ASSERT_OK_AND_ASSIGN(RemoveReport report,
                       store_->Remove("a:1", {}, NoUsers()));
  EXPECT_THAT(report.untagged, ElementsAre("docker.io/library/a:1"));
  EXPECT_THAT(report.deleted, IsEmpty());
  ASSERT_OK_AND_ASSIGN(report, store_->Remove("a:2", {}, NoUsers()));
  EXPECT_THAT(report.untagged, ElementsAre("docker.io/library/a:2"));
  EXPECT_THAT(report.deleted, ElementsAre(a.manifest_digest));
  EXPECT_THAT(store_->Get(a.manifest_digest),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("not in")));
}

TEST_F(ImageStoreTest, RemoveRefusesImagesInUse) {
  ImageRecord a = MakeRecord("a");
  ASSERT_OK(store_->Put(a));
  ASSERT_OK(store_->Tag(Ref("web:1"), a.manifest_digest).status());
  ImageUsersFn users = [&](const ImageRecord& r) {
    return r.config_digest == a.config_digest
               ? std::vector<std::string>{"web1", "web2"}
               : std::vector<std::string>{};
  };
  EXPECT_THAT(store_->Remove("web:1", {}, users),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("cannot remove web:1: image " +
                                 a.config_digest.hex().substr(0, 12) +
                                 " (web:1) is used by container(s) web1, "
                                 "web2")));
  EXPECT_THAT(store_->Remove(a.config_digest.hex(), {}, users),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("used by container(s) web1, web2")));
  // Forced: untagged, but the record stays while containers use it.
  RemoveOptions force;
  force.force = true;
  ASSERT_OK_AND_ASSIGN(RemoveReport report,
                       store_->Remove("web:1", force, users));
  EXPECT_THAT(report.untagged, ElementsAre("docker.io/library/web:1"));
  EXPECT_THAT(report.deleted, IsEmpty());
  EXPECT_OK(store_->Get(a.manifest_digest));
  // Prune keeps it while in use, drops it after.
  ASSERT_OK_AND_ASSIGN(report, store_->Prune({}, users));
  EXPECT_THAT(report.deleted, IsEmpty());
  ASSERT_OK_AND_ASSIGN(report, store_->Prune({}, NoUsers()));
  EXPECT_THAT(report.deleted, ElementsAre(a.manifest_digest));
}

TEST_F(ImageStoreTest, RemoveByIdWithSeveralTagsNeedsForce) {
  ImageRecord a = MakeRecord("a");
  ASSERT_OK(store_->Put(a));
  ASSERT_OK(store_->Tag(Ref("a:1"), a.manifest_digest).status());
  ASSERT_OK(store_->Tag(Ref("b:1"), a.manifest_digest).status());
  std::string id = a.config_digest.hex().substr(0, 12);
  EXPECT_THAT(store_->Remove(id, {}, NoUsers()),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("(a:1, b:1) by ID: it has several tags")));
  RemoveOptions force;
  force.force = true;
  ASSERT_OK_AND_ASSIGN(RemoveReport report, store_->Remove(id, force, nullptr));
  EXPECT_THAT(report.untagged, UnorderedElementsAre("docker.io/library/a:1",
                                                    "docker.io/library/b:1"));
  EXPECT_THAT(report.deleted, ElementsAre(a.manifest_digest));
  EXPECT_THAT(store_->Remove(id, force, nullptr),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr(id)));
}

TEST_F(ImageStoreTest, PruneAll) {
  ImageRecord tagged = MakeRecord("tagged");
  ImageRecord dangling = MakeRecord("dangling");
  ImageRecord used = MakeRecord("used");
  for (const ImageRecord& r : {tagged, dangling, used})
    ASSERT_OK(store_->Put(r));
  ASSERT_OK(store_->Tag(Ref("t"), tagged.manifest_digest).status());
  ASSERT_OK(store_->Tag(Ref("u"), used.manifest_digest).status());
  ImageUsersFn users = [&](const ImageRecord& r) {
    return r.manifest_digest == used.manifest_digest
               ? std::vector<std::string>{"c"}
               : std::vector<std::string>{};
  };
  ASSERT_OK_AND_ASSIGN(RemoveReport report, store_->Prune({}, users));
  EXPECT_THAT(report.deleted, ElementsAre(dangling.manifest_digest));
  PruneOptions all;
  all.all = true;
  ASSERT_OK_AND_ASSIGN(report, store_->Prune(all, users));
  EXPECT_THAT(report.deleted, ElementsAre(tagged.manifest_digest));
  EXPECT_THAT(report.untagged, ElementsAre("docker.io/library/t:latest"));
  ASSERT_OK_AND_ASSIGN(std::vector<ImageSummary> list, store_->List());
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].record.manifest_digest, used.manifest_digest);
}

TEST_F(ImageStoreTest, PruneTakesOnlyTheSelected) {
  ImageRecord old_one = MakeRecord("old");
  ImageRecord new_one = MakeRecord("new");
  for (const ImageRecord& r : {old_one, new_one}) ASSERT_OK(store_->Put(r));
  PruneOptions options;
  options.selected = [&](const ImageRecord& r) {
    return r.manifest_digest == old_one.manifest_digest;
  };
  ASSERT_OK_AND_ASSIGN(RemoveReport report, store_->Prune(options, NoUsers()));
  EXPECT_THAT(report.deleted, ElementsAre(old_one.manifest_digest));
  EXPECT_OK(store_->Get(new_one.manifest_digest));
}

TEST_F(ImageStoreTest, LiveDigestsCoverEveryRecord) {
  ImageRecord a = MakeRecord("a");
  a.index_digest = Digest::Sha256Of("index");
  ImageRecord b = MakeRecord("b");  // untagged: still live until removed
  ASSERT_OK(store_->Put(a));
  ASSERT_OK(store_->Put(b));
  ASSERT_OK_AND_ASSIGN(auto live, store_->LiveDigests());
  EXPECT_EQ(live.size(), 9u);
  for (const ImageRecord& r : {a, b}) {
    EXPECT_TRUE(live.contains(r.manifest_digest));
    EXPECT_TRUE(live.contains(r.config_digest));
    for (const Digest& l : r.layers) EXPECT_TRUE(live.contains(l));
  }
  EXPECT_TRUE(live.contains(*a.index_digest));
}

// The other platforms of an index pulled whole stay live, survive a reload,
// and are not forgotten when the image's own platform is pulled again alone.
TEST_F(ImageStoreTest, PlatformBlobsAreLiveAndKept) {
  ImageRecord a = MakeRecord("a");
  a.index_digest = Digest::Sha256Of("index");
  a.platform_blobs = {Digest::Sha256Of("arm manifest"),
                      Digest::Sha256Of("arm config")};
  ASSERT_OK(store_->Put(a));
  ImageRecord again = a;
  again.platform_blobs.clear();
  ASSERT_OK(store_->Put(again));
  ASSERT_OK_AND_ASSIGN(ImageRecord got, store_->Get(a.manifest_digest));
  EXPECT_EQ(got.platform_blobs, a.platform_blobs);
  ASSERT_OK_AND_ASSIGN(auto live, store_->LiveDigests());
  for (const Digest& d : a.platform_blobs) EXPECT_TRUE(live.contains(d));
}

TEST_F(ImageStoreTest, PutMergesRepoDigestsAndKeepsAddedTime) {
  ImageRecord a = MakeRecord("a");
  a.repo_digests = {"docker.io/library/a@sha256:" + std::string(64, '1')};
  a.added = absl::FromUnixSeconds(1000);
  ASSERT_OK(store_->Put(a));
  a.repo_digests = {"ghcr.io/x/a@sha256:" + std::string(64, '2')};
  a.added = absl::FromUnixSeconds(2000);
  ASSERT_OK(store_->Put(a));
  ASSERT_OK_AND_ASSIGN(ImageRecord got, store_->Get(a.manifest_digest));
  EXPECT_EQ(got.repo_digests.size(), 2u);
  EXPECT_EQ(got.added, absl::FromUnixSeconds(1000));
  EXPECT_THAT(store_->Put(ImageRecord()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("digests are required")));
}

TEST_F(ImageStoreTest, PersistsAcrossOpens) {
  ImageRecord a = MakeRecord("a");
  ASSERT_OK(store_->Put(a));
  ASSERT_OK(store_->Tag(Ref("localhost:5000/a:1"), a.manifest_digest).status());
  ASSERT_OK_AND_ASSIGN(ImageStore again, ImageStore::Open(dir_));
  ASSERT_OK_AND_ASSIGN(ResolvedImage r, again.Resolve("localhost:5000/a:1"));
  EXPECT_EQ(r.record.manifest_digest, a.manifest_digest);
  EXPECT_EQ(r.record.layer_sizes, a.layer_sizes);
  EXPECT_EQ(r.record.platform, "linux/amd64");
  // No temporary files are left beside the state.
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> files, ListDir(dir_));
  EXPECT_THAT(files, UnorderedElementsAre("images.json", "images.lock"));
}

TEST_F(ImageStoreTest, CorruptStateIsReportedNotReset) {
  ASSERT_OK(store_->Put(MakeRecord("a")));
  ASSERT_OK(
      WriteFileAtomic(store_->state_path(), "{\"version\":1,\"images\":"));
  EXPECT_THAT(store_->List(),
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr(store_->state_path() + " is corrupt")));
  EXPECT_THAT(store_->Put(MakeRecord("b")),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("corrupt")));
  ASSERT_OK(WriteFileAtomic(
      store_->state_path(),
      R"({"version":1,"images":{"sha256:1234":{}},"tags":{}})"));
  EXPECT_THAT(store_->List(),
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr("image sha256:1234: invalid digest")));
}

TEST_F(ImageStoreTest, ConcurrentProcessesLoseNoUpdates) {
  ImageRecord a = MakeRecord("a");
  ASSERT_OK(store_->Put(a));
  constexpr int kProcs = 4, kTags = 15;
  std::vector<pid_t> pids;
  for (int p = 0; p < kProcs; ++p) {
    pid_t pid = fork();
    if (pid == 0) {
      auto store = ImageStore::Open(dir_);
      if (!store.ok()) _exit(1);
      for (int t = 0; t < kTags; ++t) {
        auto ref = Reference::Parse(absl::StrCat("p", p, ":t", t));
        if (!ref.ok() || !store->Tag(*ref, a.manifest_digest).ok()) _exit(2);
      }
      _exit(0);
    }
    pids.push_back(pid);
  }
  for (pid_t pid : pids) {
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  ASSERT_OK_AND_ASSIGN(std::vector<ImageSummary> list, store_->List());
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].tags.size(), static_cast<size_t>(kProcs * kTags));
}

TEST_F(ImageStoreTest, KilledWriterLeavesAValidState) {
  ImageRecord a = MakeRecord("a");
  ASSERT_OK(store_->Put(a));
  for (int round = 0; round < 5; ++round) {
    pid_t pid = fork();
    if (pid == 0) {
      auto store = ImageStore::Open(dir_);
      if (!store.ok()) _exit(1);
      for (int t = 0;; ++t) {
        auto ref = Reference::Parse(absl::StrCat("r", round, ":t", t));
        if (!ref.ok() || !store->Tag(*ref, a.manifest_digest).ok()) _exit(2);
      }
    }
    ::usleep(20000 + round * 7000);
    ::kill(pid, SIGKILL);
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(status)) << "writer failed: " << status;
    // Whatever instant the writer died at, the state is whole.
    ASSERT_OK_AND_ASSIGN(std::vector<ImageSummary> list, store_->List());
    ASSERT_EQ(list.size(), 1u);
    EXPECT_GT(list[0].tags.size(), 0u);
  }
  // The next change sweeps temporary files a dead writer left.
  ASSERT_OK(store_->Untag(Ref("r0:t0")).status());
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> files, ListDir(dir_));
  EXPECT_THAT(files, UnorderedElementsAre("images.json", "images.lock"));
}

}  // namespace
}  // namespace crate::registry
