// The content-addressable blob store: every manifest, config and layer of
// every image, stored once under its digest.
//
// Layout under the root directory:
//   blobs/sha256/<hex>    verified blobs, read-only (0444), named by digest
//   ingest/<key>.partial  bytes being written; never read as a blob
//   ingest/<key>.json     what the partial is expected to be (digest, size)
//   ingest/<key>.lock     flock held by the process writing <key>
//   gc.lock               shared by pulls (Lease), exclusive for collection
//
// The one rule: a blob is never visible under blobs/ before its size and
// digest were checked. Bytes go to an ingest file, are hashed as they arrive,
// and on Commit the size and digest are compared, the file fsynced and renamed
// into blobs/, and the directory fsynced. A process killed at any point leaves
// at most an ingest file, which a later writer resumes or GarbageCollect
// removes.
//
// Writing a blob (what the registry client does for each descriptor):
//
//   auto lease = store.AcquireLease();     // keeps GC away until tagged
//   IngestOptions opts;
//   opts.expected_digest = desc.digest;
//   opts.expected_size = desc.size;
//   opts.description = "layer 2 of docker.io/library/alpine:latest";
//   auto ingest = store.StartIngest(opts);
//   if (absl::IsAlreadyExists(ingest.status())) { /* have it: skip */ }
//   RETURN_IF_ERROR(ingest.status());
//   // Resume: ask the registry for "Range: bytes=<offset>-". If it answers
//   // 200 instead of 206, call (*ingest)->Truncate() and write from 0.
//   uint64_t offset = (*ingest)->offset();
//   ... (*ingest)->Write(chunk) for each chunk ...
//   RETURN_IF_ERROR((*ingest)->Commit().status());
//
// Two writers of the same digest (threads or processes) are serialised by the
// per-digest lock: the second StartIngest waits until the first commits, then
// returns kAlreadyExists, so the blob is downloaded once. If the first dies,
// the second gets the lock and resumes from what the first wrote.
//
// All methods are safe to call from several threads and processes at once. An
// Ingest object belongs to one thread. Locks are flock(2)s on descriptors
// opened O_CLOEXEC: a child that forks without exec while an Ingest or Lease
// is open shares the lock until it exits.
#ifndef CRATE_REGISTRY_CONTENT_CONTENT_STORE_H_
#define CRATE_REGISTRY_CONTENT_CONTENT_STORE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/optional.h"
#include "registry/reference/digest.h"
#include "runtime/base/file_lock.h"
#include "runtime/base/unique_fd.h"

namespace crate::registry {

struct BlobInfo {
  Digest digest;
  uint64_t size = 0;
  absl::Time committed;  // mtime of the blob file
};

struct IngestOptions {
  // The digest the bytes must have. With it, the ingest is keyed by the
  // digest: writers of the same blob are serialised, a partial file survives
  // for a later resume, and StartIngest returns kAlreadyExists when the blob
  // is present. Without it (a manifest fetched by tag), the ingest is
  // anonymous and its partial file is removed if it is not committed.
  absl::optional<Digest> expected_digest;
  // The size the descriptor claims, or -1 if unknown. Writing past it fails
  // at once, so a server sending more than announced is cut off early.
  int64_t expected_size = -1;
  // What the bytes are, for error messages ("config of docker.io/x:1").
  std::string description;
  // Whether StartIngest waits for another writer of the same digest; if
  // false it fails with kUnavailable instead.
  bool wait = true;
};

class ContentStore;

// One blob being written. Destroying it without Commit releases the lock; a
// digest-keyed partial file with bytes in it is kept for a resume, an
// anonymous or empty one removed with its metadata and lock files. Callers
// that know the bytes are bad (the registry refused or contradicted the
// descriptor) call Abort instead, so that nothing resumes from them.
class Ingest {
 public:
  ~Ingest();
  Ingest(const Ingest&) = delete;
  Ingest& operator=(const Ingest&) = delete;

  // Bytes already in the partial file: non-zero when resuming what an earlier
  // (interrupted) writer left. Write continues from here. It may equal the
  // expected size (the earlier writer died just before Commit): then call
  // Commit without fetching anything.
  uint64_t offset() const { return offset_; }
  const absl::optional<Digest>& expected_digest() const { return expected_; }
  int64_t expected_size() const { return expected_size_; }

  // Appends and hashes `data`. kDataLoss (and the partial file is removed)
  // if this goes past the expected size.
  absl::Status Write(absl::string_view data);

  // Drops what was written so far (for a server that ignored a Range
  // request and sends the blob from its first byte).
  absl::Status Truncate();

  // Checks the size, then the digest, against what StartIngest was told (or,
  // if given here, these; they must agree with StartIngest's). On success the
  // blob is durable and visible, and its digest is returned. On mismatch the
  // partial file is removed and the error (kDataLoss) says
  //   blob sha256:<hex> (<description>): size 10 does not match the expected 12
  //   blob sha256:<hex> (<description>): content has digest sha256:<other>
  // If the blob is already present (an anonymous ingest raced another
  // writer) the bytes are dropped and the call succeeds. The Ingest is spent
  // after Commit, whatever the result.
  absl::StatusOr<Digest> Commit(absl::optional<Digest> expected = {},
                                int64_t expected_size = -1);

  // Removes the partial file and releases the lock.
  void Abort();

 private:
  friend class ContentStore;
  Ingest() = default;
  std::string Describe(const Digest& digest) const;
  void RemoveFiles();

  std::string blobs_dir_;  // root/blobs
  std::string base_;       // root/ingest/<key>, without suffix
  bool anonymous_ = false;
  bool done_ = false;
  std::string description_;
  absl::optional<Digest> expected_;
  int64_t expected_size_ = -1;
  uint64_t offset_ = 0;
  std::unique_ptr<Digester> digester_;
  UniqueFd data_fd_;
  UniqueFd lock_fd_;
};

// Held by a pull from before its first blob until the image is recorded, so
// that a concurrent GarbageCollect cannot remove blobs no tag refers to yet.
using Lease = FileLock;

struct VerifyProblem {
  std::string path;    // the file under blobs/
  std::string reason;  // "content has digest sha256:...", "not a digest name"
  bool removed = false;
};

struct VerifyReport {
  uint64_t blobs_checked = 0;
  uint64_t bytes_checked = 0;
  std::vector<VerifyProblem> problems;
};

struct GcOptions {
  // Digest-keyed partial files younger than this are kept, for resumes.
  // Anonymous and empty ones are removed as soon as no process holds their
  // lock; an ingest whose lock is held is never touched, whatever its age.
  absl::Duration ingest_max_age = absl::Hours(24);
  // Wait for running pulls (leases) to end; if false, fail with
  // kUnavailable while one runs.
  bool wait = true;
  // Report what would be removed without removing it.
  bool dry_run = false;
};

struct GcReport {
  std::vector<Digest> removed_blobs;
  uint64_t bytes_freed = 0;
  std::vector<std::string> removed_ingests;  // ingest keys
};

// A partial blob in ingest/, for progress reports and diagnostics.
struct IngestStatus {
  std::string key;  // "sha256-<hex>" or "anon-<random>"
  absl::optional<Digest> expected_digest;
  int64_t expected_size = -1;
  std::string description;
  uint64_t offset = 0;  // bytes written so far
  absl::Time updated;   // last write
  bool active = false;  // a live process holds its lock
};

class ContentStore {
 public:
  // Creates the layout under `root` if needed.
  static absl::StatusOr<ContentStore> Open(const std::string& root);

  const std::string& root() const { return root_; }

  // Begins writing a blob; see IngestOptions and the example at the top.
  // kAlreadyExists if expected_digest is set and the blob is present.
  absl::StatusOr<std::unique_ptr<Ingest>> StartIngest(
      const IngestOptions& options);

  // Writes a whole small blob (a manifest, a config) in one call and returns
  // its digest. Succeeds if the blob is already present.
  absl::StatusOr<Digest> WriteBlob(absl::string_view data,
                                   absl::optional<Digest> expected = {},
                                   absl::string_view description = {});

  bool Has(const Digest& digest) const;
  // kNotFound if absent.
  absl::StatusOr<BlobInfo> Info(const Digest& digest) const;
  // Where the blob lives, for readers that want a path (libarchive). The
  // file may not exist; check Has or Info first.
  std::string BlobPath(const Digest& digest) const;
  // A read-only descriptor of the blob, for streaming large layers.
  absl::StatusOr<UniqueFd> OpenBlob(const Digest& digest) const;
  // Reads a whole blob, refusing one larger than `max_size`
  // (kResourceExhausted), and re-checks its digest (kDataLoss if the file
  // was corrupted on disk): for manifests and configs, which are small.
  absl::StatusOr<std::string> ReadBlob(const Digest& digest,
                                       size_t max_size) const;
  // kNotFound if absent.
  absl::Status Delete(const Digest& digest);
  // Calls `fn` for every blob, in no particular order; stops at the first
  // error `fn` returns. Files under blobs/ that are not digests are skipped.
  absl::Status Walk(
      const std::function<absl::Status(const BlobInfo&)>& fn) const;

  // The ingests in progress or left for a resume, by key.
  absl::StatusOr<std::vector<IngestStatus>> ListIngests() const;

  // fsck: rehashes every blob and reports those whose content does not
  // match their name, and stray files. With `remove_bad`, removes them, so
  // the next pull fetches them again.
  absl::StatusOr<VerifyReport> Verify(bool remove_bad = false);

  // A shared lock that keeps GarbageCollect from running; see Lease.
  absl::StatusOr<Lease> AcquireLease() const;

  // Mark and sweep. Takes the exclusive GC lock (so no pull holding a Lease
  // is running), then calls `mark` for the set of live digests, then removes
  // every other blob and the stale ingest files. If `mark` fails nothing is
  // removed. The set is asked for under the lock so that it cannot go stale
  // between mark and sweep; with a fixed set, pass
  // `[&]() -> absl::StatusOr<absl::flat_hash_set<Digest>> { return live; }`.
  // Never call this while the same thread holds a Lease: it would wait for
  // itself.
  absl::StatusOr<GcReport> GarbageCollect(
      const std::function<absl::StatusOr<absl::flat_hash_set<Digest>>()>& mark,
      const GcOptions& options = {});

 private:
  explicit ContentStore(std::string root) : root_(std::move(root)) {}
  // GarbageCollect's second half: the ingests no live process writes that
  // cannot or should no longer be resumed.
  absl::Status SweepIngests(const GcOptions& options, GcReport* report);
  std::string BlobsDir() const;
  std::string IngestDir() const;

  std::string root_;
};

}  // namespace crate::registry

#endif  // CRATE_REGISTRY_CONTENT_CONTENT_STORE_H_
