#include "registry/content/content_store.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
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

MATCHER_P(IsOkAndHolds, m, "") {
  if (!arg.ok()) {
    *result_listener << "status is " << arg.status();
    return false;
  }
  return ::testing::ExplainMatchResult(m, *arg, result_listener);
}

class ContentStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(dir_, MakeTempDir("content_store_test"));
    ASSERT_OK_AND_ASSIGN(ContentStore s, ContentStore::Open(dir_));
    store_ = std::make_unique<ContentStore>(std::move(s));
  }
  void TearDown() override { ASSERT_OK(RemoveTree(dir_)); }

  std::vector<std::string> IngestFiles() {
    auto names = ListDir(JoinPath(dir_, "ingest"));
    return names.ok() ? *names : std::vector<std::string>{"<error>"};
  }

  std::unique_ptr<Ingest> Start(const Digest& d, int64_t size,
                                bool wait = true) {
    IngestOptions o;
    o.expected_digest = d;
    o.expected_size = size;
    o.description = "test blob";
    o.wait = wait;
    auto ingest = store_->StartIngest(o);
    EXPECT_OK(ingest);
    return ingest.ok() ? std::move(*ingest) : nullptr;
  }

  std::string dir_;
  std::unique_ptr<ContentStore> store_;
};

TEST_F(ContentStoreTest, WritesVerifiesAndPublishes) {
  const std::string data = "hello, content store";
  Digest d = Digest::Sha256Of(data);
  auto ingest = Start(d, data.size());
  ASSERT_NE(ingest, nullptr);
  EXPECT_EQ(ingest->offset(), 0u);
  ASSERT_OK(ingest->Write(data.substr(0, 5)));
  // Nothing is visible before Commit.
  EXPECT_FALSE(store_->Has(d));
  ASSERT_OK(ingest->Write(data.substr(5)));
  ASSERT_OK_AND_ASSIGN(Digest committed, ingest->Commit());
  EXPECT_EQ(committed, d);
  EXPECT_TRUE(store_->Has(d));
  ASSERT_OK_AND_ASSIGN(BlobInfo info, store_->Info(d));
  EXPECT_EQ(info.size, data.size());
  EXPECT_THAT(store_->ReadBlob(d, 1024), IsOkAndHolds(data));
  ASSERT_OK_AND_ASSIGN(UniqueFd fd, store_->OpenBlob(d));
  EXPECT_TRUE(fd.valid());
  EXPECT_EQ(store_->BlobPath(d), JoinPath(dir_, "blobs/sha256/" + d.hex()));
  struct stat st;
  ASSERT_EQ(::stat(store_->BlobPath(d).c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0444u);
  EXPECT_THAT(IngestFiles(), IsEmpty());
  // A spent ingest refuses more work.
  EXPECT_THAT(ingest->Write("x"),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("")));
}

TEST_F(ContentStoreTest, SizeMismatchIsRefusedAndRemoved) {
  const std::string data = "0123456789";
  Digest d = Digest::Sha256Of(data + "ab");
  auto ingest = Start(d, 12);
  ASSERT_OK(ingest->Write(data));
  EXPECT_THAT(ingest->Commit(),
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr("blob " + d.ToString() +
                                 " (test blob): size 10 does not match the "
                                 "expected 12")));
  EXPECT_FALSE(store_->Has(d));
  EXPECT_THAT(IngestFiles(), IsEmpty());
}

TEST_F(ContentStoreTest, DigestMismatchIsRefusedAndRemoved) {
  const std::string data = "the wrong bytes";
  Digest claimed = Digest::Sha256Of("the right bytes");
  auto ingest = Start(claimed, data.size());
  ASSERT_OK(ingest->Write(data));
  EXPECT_THAT(ingest->Commit(),
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr("blob " + claimed.ToString() +
                                 " (test blob): content has digest " +
                                 Digest::Sha256Of(data).ToString())));
  EXPECT_FALSE(store_->Has(claimed));
  EXPECT_FALSE(store_->Has(Digest::Sha256Of(data)));
  EXPECT_THAT(IngestFiles(), IsEmpty());
}

TEST_F(ContentStoreTest, ResumedBytesWithTheWrongDigestAreRemoved) {
  const std::string right = "the right bytes";
  Digest d = Digest::Sha256Of(right);
  {
    // An earlier writer left a bad prefix (a broken server, bit rot).
    auto first = Start(d, right.size());
    ASSERT_OK(first->Write("THE"));
  }
  auto second = Start(d, right.size());
  EXPECT_EQ(second->offset(), 3u);
  ASSERT_OK(second->Write(absl::string_view(right).substr(3)));
  EXPECT_THAT(second->Commit(), StatusIs(absl::StatusCode::kDataLoss,
                                         HasSubstr("content has digest")));
  EXPECT_FALSE(store_->Has(d));
  // Nothing a later pull could resume from: partial, metadata and lock gone.
  EXPECT_THAT(IngestFiles(), IsEmpty());
  auto third = Start(d, right.size());
  EXPECT_EQ(third->offset(), 0u);
}

TEST_F(ContentStoreTest, IngestWithoutBytesLeavesNoFiles) {
  Digest d = Digest::Sha256Of("never arrives");
  {
    // The transfer failed before its first byte.
    auto ingest = Start(d, 13);
    ASSERT_NE(ingest, nullptr);
    EXPECT_THAT(IngestFiles(), ::testing::SizeIs(3));
    // A second writer that could not take the lock leaves the first
    // writer's (still empty) files alone.
    IngestOptions o;
    o.expected_digest = d;
    o.wait = false;
    EXPECT_THAT(store_->StartIngest(o).status(),
                StatusIs(absl::StatusCode::kUnavailable, HasSubstr("held")));
    EXPECT_THAT(IngestFiles(), ::testing::SizeIs(3));
  }
  EXPECT_THAT(IngestFiles(), IsEmpty());
  {
    // Bytes that were dropped again (a server that ignored Range and then
    // failed) leave nothing to resume either.
    auto ingest = Start(d, 13);
    ASSERT_OK(ingest->Write("never"));
    ASSERT_OK(ingest->Truncate());
  }
  EXPECT_THAT(IngestFiles(), IsEmpty());
  {
    // With bytes, the partial stays for a resume.
    auto ingest = Start(d, 13);
    ASSERT_OK(ingest->Write("never"));
  }
  EXPECT_THAT(IngestFiles(), ::testing::SizeIs(3));
}

TEST_F(ContentStoreTest, MoreThanAnnouncedIsCutOff) {
  Digest d = Digest::Sha256Of("abcd");
  auto ingest = Start(d, 4);
  ASSERT_OK(ingest->Write("abc"));
  EXPECT_THAT(ingest->Write("de"),
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr("more data than the expected 4 bytes")));
  EXPECT_FALSE(store_->Has(d));
  EXPECT_THAT(IngestFiles(), IsEmpty());
}

TEST_F(ContentStoreTest, CommitArgumentsMustAgree) {
  Digest d = Digest::Sha256Of("abcd");
  auto ingest = Start(d, -1);
  ASSERT_OK(ingest->Write("abcd"));
  EXPECT_THAT(ingest->Commit(Digest::Sha256Of("other")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("a different digest")));
  // Size given only at Commit is checked too.
  auto again = Start(d, -1);
  ASSERT_OK(again->Write("abcd"));
  EXPECT_THAT(again->Commit(d, 5),
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr("size 4 does not match the expected 5")));
}

TEST_F(ContentStoreTest, PresentBlobIsAlreadyExists) {
  ASSERT_OK_AND_ASSIGN(Digest d, store_->WriteBlob("data"));
  IngestOptions o;
  o.expected_digest = d;
  EXPECT_THAT(store_->StartIngest(o),
              StatusIs(absl::StatusCode::kAlreadyExists,
                       HasSubstr(d.ToString() + ": already present")));
  // WriteBlob is idempotent.
  EXPECT_THAT(store_->WriteBlob("data", d), IsOkAndHolds(d));
}

TEST_F(ContentStoreTest, AnonymousIngestComputesDigestAndCleansUp) {
  {
    IngestOptions o;
    o.description = "manifest of x:latest";
    ASSERT_OK_AND_ASSIGN(auto ingest, store_->StartIngest(o));
    ASSERT_OK(ingest->Write("partial"));
    EXPECT_THAT(IngestFiles(), ::testing::SizeIs(3));
  }
  // Abandoned: nobody could resume it, so it is gone.
  EXPECT_THAT(IngestFiles(), IsEmpty());
  IngestOptions o;
  ASSERT_OK_AND_ASSIGN(auto ingest, store_->StartIngest(o));
  ASSERT_OK(ingest->Write("manifest"));
  ASSERT_OK_AND_ASSIGN(Digest d, ingest->Commit());
  EXPECT_EQ(d, Digest::Sha256Of("manifest"));
  EXPECT_TRUE(store_->Has(d));
  // Committing content that is already present succeeds.
  ASSERT_OK_AND_ASSIGN(auto twice, store_->StartIngest(o));
  ASSERT_OK(twice->Write("manifest"));
  EXPECT_THAT(twice->Commit(), IsOkAndHolds(d));
  EXPECT_THAT(IngestFiles(), IsEmpty());
}

TEST_F(ContentStoreTest, ResumesWhatAnEarlierWriterLeft) {
  const std::string data(200000, 'z');
  Digest d = Digest::Sha256Of(data);
  {
    auto first = Start(d, data.size());
    ASSERT_OK(first->Write(absl::string_view(data).substr(0, 70000)));
  }
  auto second = Start(d, data.size());
  EXPECT_EQ(second->offset(), 70000u);
  ASSERT_OK(second->Write(absl::string_view(data).substr(70000)));
  EXPECT_THAT(second->Commit(), IsOkAndHolds(d));
  EXPECT_THAT(store_->ReadBlob(d, 1 << 20), IsOkAndHolds(data));
}

TEST_F(ContentStoreTest, TruncateStartsOver) {
  Digest d = Digest::Sha256Of("abcdef");
  {
    auto first = Start(d, 6);
    ASSERT_OK(first->Write("XYZ"));  // bad prefix from a broken server
  }
  auto second = Start(d, 6);
  EXPECT_EQ(second->offset(), 3u);
  ASSERT_OK(second->Truncate());
  EXPECT_EQ(second->offset(), 0u);
  ASSERT_OK(second->Write("abcdef"));
  EXPECT_THAT(second->Commit(), IsOkAndHolds(d));
}

TEST_F(ContentStoreTest, AbortRemovesThePartial) {
  Digest d = Digest::Sha256Of("abc");
  auto ingest = Start(d, 3);
  ASSERT_OK(ingest->Write("ab"));
  ingest->Abort();
  EXPECT_THAT(IngestFiles(), IsEmpty());
  auto again = Start(d, 3);
  EXPECT_EQ(again->offset(), 0u);
}

TEST_F(ContentStoreTest, KilledWriterLeavesNoVisibleBlob) {
  const std::string data(100000, 'k');
  Digest d = Digest::Sha256Of(data);
  pid_t pid = fork();
  if (pid == 0) {
    IngestOptions o;
    o.expected_digest = d;
    o.expected_size = data.size();
    auto ingest = store_->StartIngest(o);
    if (!ingest.ok()) _exit(1);
    if (!(*ingest)->Write(absl::string_view(data).substr(0, 40000)).ok()) {
      _exit(2);
    }
    ::kill(::getpid(), SIGKILL);
    _exit(3);
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(status));
  EXPECT_EQ(WTERMSIG(status), SIGKILL);
  EXPECT_FALSE(store_->Has(d));
  EXPECT_THAT(ListDir(JoinPath(dir_, "blobs/sha256")),
              IsOkAndHolds(std::vector<std::string>{}));
  // The dead writer's lock died with it; its bytes are resumed.
  auto ingest = Start(d, data.size(), /*wait=*/false);
  ASSERT_NE(ingest, nullptr);
  EXPECT_EQ(ingest->offset(), 40000u);
  ASSERT_OK(ingest->Write(absl::string_view(data).substr(40000)));
  EXPECT_THAT(ingest->Commit(), IsOkAndHolds(d));
}

// Reads one byte from `fd` within `timeout_ms`; -1 if none came.
int ReadByte(int fd, int timeout_ms) {
  struct pollfd p = {fd, POLLIN, 0};
  if (::poll(&p, 1, timeout_ms) != 1) return -1;
  unsigned char c;
  return ::read(fd, &c, 1) == 1 ? c : -1;
}

TEST_F(ContentStoreTest, SecondProcessWaitsThenSeesTheBlob) {
  const std::string data = "shared layer";
  Digest d = Digest::Sha256Of(data);
  int go[2], result[2];
  ASSERT_EQ(::pipe(go), 0);
  ASSERT_EQ(::pipe(result), 0);
  // Forked before this process takes the lock: a child would otherwise
  // inherit the locked file description and hold the lock itself.
  pid_t pid = fork();
  if (pid == 0) {
    ::close(go[1]);
    ::close(result[0]);
    if (ReadByte(go[0], 10000) != 'g') _exit(1);
    IngestOptions o;
    o.expected_digest = d;
    o.expected_size = data.size();
    auto other = store_->StartIngest(o);
    unsigned char c = absl::IsAlreadyExists(other.status()) ? 'E'
                      : other.ok()                          ? 'W'
                                                            : '?';
    (void)!::write(result[1], &c, 1);
    _exit(0);
  }
  ::close(go[0]);
  ::close(result[1]);
  auto ingest = Start(d, data.size());
  ASSERT_OK(ingest->Write("shared"));
  ASSERT_EQ(::write(go[1], "g", 1), 1);
  // The child is blocked on the per-digest lock while this writer works.
  EXPECT_EQ(ReadByte(result[0], 300), -1);
  EXPECT_THAT(
      [&] {
        IngestOptions o;
        o.expected_digest = d;
        o.wait = false;
        return store_->StartIngest(o).status();
      }(),
      StatusIs(absl::StatusCode::kUnavailable, HasSubstr("held by another")));
  ASSERT_OK(ingest->Write(" layer"));
  ASSERT_OK(ingest->Commit());
  EXPECT_EQ(ReadByte(result[0], 10000), 'E');
  ::close(go[1]);
  ::close(result[0]);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

TEST_F(ContentStoreTest, ConcurrentPullsWriteOnce) {
  const std::string data(300000, 'p');
  Digest d = Digest::Sha256Of(data);
  constexpr int kProcs = 4;
  std::vector<pid_t> pids;
  for (int i = 0; i < kProcs; ++i) {
    pid_t pid = fork();
    if (pid == 0) {
      IngestOptions o;
      o.expected_digest = d;
      o.expected_size = data.size();
      auto ingest = store_->StartIngest(o);
      if (absl::IsAlreadyExists(ingest.status())) _exit(10);
      if (!ingest.ok()) _exit(1);
      for (size_t off = (*ingest)->offset(); off < data.size(); off += 30000) {
        if (!(*ingest)->Write(absl::string_view(data).substr(off, 30000)).ok())
          _exit(2);
        ::usleep(2000);
      }
      _exit((*ingest)->Commit().ok() ? 0 : 3);
    }
    pids.push_back(pid);
  }
  int writers = 0, skipped = 0;
  for (pid_t pid : pids) {
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status));
    if (WEXITSTATUS(status) == 0) ++writers;
    if (WEXITSTATUS(status) == 10) ++skipped;
  }
  EXPECT_EQ(writers, 1);
  EXPECT_EQ(skipped, kProcs - 1);
  EXPECT_THAT(store_->ReadBlob(d, 1 << 20), IsOkAndHolds(data));
  EXPECT_THAT(IngestFiles(), IsEmpty());
}

TEST_F(ContentStoreTest, ReadBlobLimitsAndCorruption) {
  ASSERT_OK_AND_ASSIGN(Digest d, store_->WriteBlob(std::string(100, 'c')));
  EXPECT_THAT(store_->ReadBlob(d, 99),
              StatusIs(absl::StatusCode::kResourceExhausted,
                       HasSubstr(d.ToString() + ": 100 bytes is more than "
                                                "the limit of 99")));
  Digest missing = Digest::Sha256Of("missing");
  EXPECT_THAT(
      store_->ReadBlob(missing, 10),
      StatusIs(absl::StatusCode::kNotFound, HasSubstr(missing.ToString())));
  EXPECT_THAT(store_->Info(missing),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("not in")));
  EXPECT_THAT(store_->Delete(missing),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("not in")));
  // Bit rot on disk.
  ASSERT_EQ(::chmod(store_->BlobPath(d).c_str(), 0644), 0);
  ASSERT_OK(WriteExistingFile(store_->BlobPath(d), "X"));
  EXPECT_THAT(store_->ReadBlob(d, 1000),
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr(d.ToString() + " is corrupt")));
}

TEST_F(ContentStoreTest, VerifyFindsAndRemovesBadBlobs) {
  ASSERT_OK_AND_ASSIGN(Digest good, store_->WriteBlob("good"));
  ASSERT_OK_AND_ASSIGN(Digest bad, store_->WriteBlob("bad!"));
  ASSERT_EQ(::chmod(store_->BlobPath(bad).c_str(), 0644), 0);
  ASSERT_OK(WriteExistingFile(store_->BlobPath(bad), "rot"));
  ASSERT_OK(WriteFileAtomic(JoinPath(dir_, "blobs/sha256/junk"), "x"));

  ASSERT_OK_AND_ASSIGN(VerifyReport report, store_->Verify());
  EXPECT_EQ(report.blobs_checked, 2u);
  ASSERT_EQ(report.problems.size(), 2u);
  for (const VerifyProblem& p : report.problems) {
    EXPECT_FALSE(p.removed);
    if (absl::EndsWith(p.path, "junk")) {
      EXPECT_EQ(p.reason, "not a digest name");
    } else {
      EXPECT_EQ(p.path, store_->BlobPath(bad));
      EXPECT_THAT(p.reason, HasSubstr("content has digest"));
    }
  }
  ASSERT_OK_AND_ASSIGN(report, store_->Verify(/*remove_bad=*/true));
  EXPECT_EQ(report.problems.size(), 2u);
  EXPECT_FALSE(store_->Has(bad));
  EXPECT_TRUE(store_->Has(good));
  ASSERT_OK_AND_ASSIGN(report, store_->Verify());
  EXPECT_THAT(report.problems, IsEmpty());
}

TEST_F(ContentStoreTest, WalkListsBlobs) {
  ASSERT_OK_AND_ASSIGN(Digest a, store_->WriteBlob("a"));
  ASSERT_OK_AND_ASSIGN(Digest b, store_->WriteBlob("bb"));
  std::vector<Digest> seen;
  uint64_t bytes = 0;
  ASSERT_OK(store_->Walk([&](const BlobInfo& info) {
    seen.push_back(info.digest);
    bytes += info.size;
    return absl::OkStatus();
  }));
  EXPECT_THAT(seen, UnorderedElementsAre(a, b));
  EXPECT_EQ(bytes, 3u);
  EXPECT_THAT(store_->Walk(
                  [](const BlobInfo&) { return absl::CancelledError("stop"); }),
              StatusIs(absl::StatusCode::kCancelled, HasSubstr("stop")));
}

TEST_F(ContentStoreTest, GarbageCollectSweepsUnmarkedBlobsAndStaleIngests) {
  ASSERT_OK_AND_ASSIGN(Digest live, store_->WriteBlob("live"));
  ASSERT_OK_AND_ASSIGN(Digest dead, store_->WriteBlob("dead blob"));
  // A crashed anonymous writer, a recent keyed partial, and one in use.
  ASSERT_OK(WriteFileAtomic(JoinPath(dir_, "ingest/anon-0123.partial"), "x"));
  Digest resumable = Digest::Sha256Of("resumable");
  { Start(resumable, 9)->Write("res").IgnoreError(); }
  Digest busy = Digest::Sha256Of("busy");
  auto busy_ingest = Start(busy, 4);

  auto mark = [&]() -> absl::StatusOr<absl::flat_hash_set<Digest>> {
    return absl::flat_hash_set<Digest>{live};
  };
  GcOptions dry;
  dry.dry_run = true;
  ASSERT_OK_AND_ASSIGN(GcReport report, store_->GarbageCollect(mark, dry));
  EXPECT_THAT(report.removed_blobs, ElementsAre(dead));
  EXPECT_TRUE(store_->Has(dead));

  ASSERT_OK_AND_ASSIGN(report, store_->GarbageCollect(mark));
  EXPECT_THAT(report.removed_blobs, ElementsAre(dead));
  EXPECT_EQ(report.bytes_freed, 9u);
  EXPECT_THAT(report.removed_ingests, ElementsAre("anon-0123"));
  EXPECT_TRUE(store_->Has(live));
  EXPECT_FALSE(store_->Has(dead));

  GcOptions all;
  all.ingest_max_age = absl::ZeroDuration();
  ASSERT_OK_AND_ASSIGN(report, store_->GarbageCollect(mark, all));
  EXPECT_THAT(report.removed_blobs, IsEmpty());
  EXPECT_THAT(report.removed_ingests, ElementsAre("sha256-" + resumable.hex()));
  // The busy ingest was left alone and still works.
  ASSERT_OK(busy_ingest->Write("busy"));
  EXPECT_THAT(busy_ingest->Commit(), IsOkAndHolds(busy));
}

// Sets the mtime of every file of ingest `key` to `age` ago.
void Age(const std::string& dir, const std::string& key, absl::Duration age) {
  struct timespec times[2];
  times[0] = times[1] = absl::ToTimespec(absl::Now() - age);
  for (const char* suffix : {".partial", ".json", ".lock"}) {
    std::string path = JoinPath(JoinPath(dir, "ingest"), key + suffix);
    EXPECT_EQ(::utimensat(AT_FDCWD, path.c_str(), times, 0), 0) << path;
  }
}

TEST_F(ContentStoreTest, GarbageCollectRemovesStaleIngestsButNotLockedOnes) {
  const std::string stale_data(5000, 's'), live_data(5000, 'l');
  Digest stale = Digest::Sha256Of(stale_data);
  Digest live = Digest::Sha256Of(live_data);
  const std::string stale_key = "sha256-" + stale.hex();
  const std::string live_key = "sha256-" + live.hex();
  {
    // A pull that died two days ago.
    auto ingest = Start(stale, stale_data.size());
    ASSERT_OK(ingest->Write(absl::string_view(stale_data).substr(0, 100)));
  }
  // A writer in another process, as old but still holding its lock: a
  // slow download, not litter.
  int ready[2], done[2];
  ASSERT_EQ(::pipe(ready), 0);
  ASSERT_EQ(::pipe(done), 0);
  pid_t pid = fork();
  if (pid == 0) {
    ::close(ready[0]);
    ::close(done[1]);
    IngestOptions o;
    o.expected_digest = live;
    o.expected_size = live_data.size();
    auto ingest = store_->StartIngest(o);
    if (!ingest.ok()) _exit(1);
    if (!(*ingest)->Write(absl::string_view(live_data).substr(0, 100)).ok()) {
      _exit(2);
    }
    (void)!::write(ready[1], "r", 1);
    if (ReadByte(done[0], 20000) != 'd') _exit(3);
    if (!(*ingest)->Write(absl::string_view(live_data).substr(100)).ok()) {
      _exit(4);
    }
    _exit((*ingest)->Commit().ok() ? 0 : 5);
  }
  ::close(ready[1]);
  ::close(done[0]);
  ASSERT_EQ(ReadByte(ready[0], 20000), 'r');
  Age(dir_, stale_key, absl::Hours(48));
  Age(dir_, live_key, absl::Hours(48));

  auto mark = []() -> absl::StatusOr<absl::flat_hash_set<Digest>> {
    return absl::flat_hash_set<Digest>{};
  };
  ASSERT_OK_AND_ASSIGN(GcReport report, store_->GarbageCollect(mark));
  EXPECT_THAT(report.removed_ingests, ElementsAre(stale_key));
  EXPECT_THAT(IngestFiles(),
              UnorderedElementsAre(live_key + ".partial", live_key + ".json",
                                   live_key + ".lock"));

  // The writer never noticed and finishes its blob.
  ASSERT_EQ(::write(done[1], "d", 1), 1);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  ::close(ready[0]);
  ::close(done[1]);
  EXPECT_THAT(store_->ReadBlob(live, 1 << 20), IsOkAndHolds(live_data));
  EXPECT_THAT(IngestFiles(), IsEmpty());
}

TEST_F(ContentStoreTest, GarbageCollectRemovesEmptyLeftoversAtOnce) {
  // What failed pulls of earlier versions left: empty partials with their
  // metadata and locks, and a metadata write cut short by a kill.
  const std::string ingest = JoinPath(dir_, "ingest");
  const std::string empty_key =
      "sha256-" + Digest::Sha256Of("left empty").hex();
  for (const char* suffix : {".partial", ".json", ".lock"}) {
    ASSERT_OK(WriteFileAtomic(JoinPath(ingest, empty_key + suffix), ""));
  }
  const std::string torn_key = "sha256-" + Digest::Sha256Of("torn").hex();
  ASSERT_OK(WriteFileAtomic(JoinPath(ingest, torn_key + ".json.tmp.AbC123"),
                            "{\"expec"));
  // A young partial with bytes is worth a resume, but not its torn metadata.
  Digest young = Digest::Sha256Of("young blob");
  { Start(young, 10)->Write("young").IgnoreError(); }
  const std::string young_key = "sha256-" + young.hex();
  ASSERT_OK(
      WriteFileAtomic(JoinPath(ingest, young_key + ".json.tmp.x1y2z3"), "{"));

  auto mark = []() -> absl::StatusOr<absl::flat_hash_set<Digest>> {
    return absl::flat_hash_set<Digest>{};
  };
  ASSERT_OK_AND_ASSIGN(GcReport report, store_->GarbageCollect(mark));
  EXPECT_THAT(report.removed_ingests,
              UnorderedElementsAre(empty_key, torn_key));
  EXPECT_THAT(IngestFiles(),
              UnorderedElementsAre(young_key + ".partial", young_key + ".json",
                                   young_key + ".lock"));
  auto resumed = Start(young, 10, /*wait=*/false);
  ASSERT_NE(resumed, nullptr);
  EXPECT_EQ(resumed->offset(), 5u);
}

TEST_F(ContentStoreTest, GarbageCollectWaitsForLeases) {
  ASSERT_OK_AND_ASSIGN(Lease lease, store_->AcquireLease());
  ASSERT_OK_AND_ASSIGN(Lease other, store_->AcquireLease());  // shared
  GcOptions o;
  o.wait = false;
  auto mark = []() -> absl::StatusOr<absl::flat_hash_set<Digest>> {
    return absl::flat_hash_set<Digest>{};
  };
  EXPECT_THAT(
      store_->GarbageCollect(mark, o),
      StatusIs(absl::StatusCode::kUnavailable, HasSubstr("a pull is running")));
  // A failing mark phase removes nothing.
  {
    Lease released = std::move(lease);
    Lease released2 = std::move(other);
  }
  ASSERT_OK_AND_ASSIGN(Digest d, store_->WriteBlob("keep"));
  EXPECT_THAT(store_->GarbageCollect(
                  []() -> absl::StatusOr<absl::flat_hash_set<Digest>> {
                    return absl::InternalError("image store unreadable");
                  },
                  o),
              StatusIs(absl::StatusCode::kInternal, HasSubstr("unreadable")));
  EXPECT_TRUE(store_->Has(d));
}

TEST_F(ContentStoreTest, ThreadsPullingTheSameBlobWriteOnce) {
  const std::string data(50000, 't');
  Digest d = Digest::Sha256Of(data);
  std::atomic<int> writers{0}, skipped{0}, failed{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      IngestOptions o;
      o.expected_digest = d;
      o.expected_size = data.size();
      auto ingest = store_->StartIngest(o);
      if (absl::IsAlreadyExists(ingest.status())) {
        ++skipped;
        return;
      }
      if (!ingest.ok() || !(*ingest)->Write(data).ok() ||
          !(*ingest)->Commit().ok()) {
        ++failed;
        return;
      }
      ++writers;
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(writers, 1);
  EXPECT_EQ(skipped, 3);
  EXPECT_EQ(failed, 0);
  EXPECT_TRUE(store_->Has(d));
}

TEST_F(ContentStoreTest, WriterKilledAtAnyPointNeverPublishesABadBlob) {
  uint64_t committed = 0;
  for (int round = 0; round < 6; ++round) {
    pid_t pid = fork();
    if (pid == 0) {
      for (int i = 0;; ++i) {
        std::string data(40000 + i, static_cast<char>('a' + (round + i) % 26));
        IngestOptions o;
        o.expected_digest = Digest::Sha256Of(data);
        o.expected_size = data.size();
        auto ingest = store_->StartIngest(o);
        if (absl::IsAlreadyExists(ingest.status())) continue;
        if (!ingest.ok()) _exit(1);
        for (size_t off = (*ingest)->offset(); off < data.size(); off += 4096) {
          if (!(*ingest)->Write(absl::string_view(data).substr(off, 4096)).ok())
            _exit(2);
        }
        if (!(*ingest)->Commit().ok()) _exit(3);
      }
    }
    ::usleep(20000 + round * 15000);
    ::kill(pid, SIGKILL);
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(status)) << "writer failed: " << status;
    ASSERT_OK_AND_ASSIGN(VerifyReport report, store_->Verify());
    EXPECT_THAT(report.problems, IsEmpty());
    committed = report.blobs_checked;
  }
  // The writers got far enough for the test to mean something.
  EXPECT_GT(committed, 0u);
}

TEST_F(ContentStoreTest, CompletePartialCommitsWithoutMoreData) {
  Digest d = Digest::Sha256Of("whole");
  {
    auto first = Start(d, 5);
    ASSERT_OK(first->Write("whole"));
    // Dies before Commit.
  }
  auto second = Start(d, 5);
  EXPECT_EQ(second->offset(), 5u);
  EXPECT_THAT(second->Commit(), IsOkAndHolds(d));
}

TEST_F(ContentStoreTest, OversizedPartialIsDiscarded) {
  Digest d = Digest::Sha256Of("abc");
  {
    auto first = Start(d, -1);
    ASSERT_OK(first->Write("abcdef"));
  }
  auto second = Start(d, 3);
  EXPECT_EQ(second->offset(), 0u);
  ASSERT_OK(second->Write("abc"));
  EXPECT_THAT(second->Commit(), IsOkAndHolds(d));
}

TEST_F(ContentStoreTest, ListsIngests) {
  Digest d = Digest::Sha256Of("listed blob");
  {
    auto left = Start(d, 11);
    ASSERT_OK(left->Write("listed"));
  }
  IngestOptions o;
  o.description = "manifest of x:1";
  ASSERT_OK_AND_ASSIGN(auto active, store_->StartIngest(o));
  ASSERT_OK(active->Write("abc"));
  ASSERT_OK_AND_ASSIGN(std::vector<IngestStatus> list, store_->ListIngests());
  ASSERT_EQ(list.size(), 2u);
  // "anon-..." sorts before "sha256-...".
  EXPECT_TRUE(list[0].active);
  EXPECT_EQ(list[0].offset, 3u);
  EXPECT_EQ(list[0].description, "manifest of x:1");
  EXPECT_FALSE(list[0].expected_digest.has_value());
  EXPECT_FALSE(list[1].active);
  EXPECT_EQ(list[1].key, "sha256-" + d.hex());
  EXPECT_EQ(list[1].offset, 6u);
  EXPECT_EQ(list[1].expected_size, 11);
  EXPECT_EQ(list[1].expected_digest, d);
  EXPECT_EQ(list[1].description, "test blob");
  // The probe took no lock away from a writer.
  ASSERT_OK(active->Write("def"));
  ASSERT_OK(active->Commit().status());
  auto resumed = Start(d, 11, /*wait=*/false);
  ASSERT_NE(resumed, nullptr);
  EXPECT_EQ(resumed->offset(), 6u);
}

}  // namespace
}  // namespace crate::registry
