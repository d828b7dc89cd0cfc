#include "registry/content/content_store.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"
#include "runtime/base/errno_status.h"
#include "runtime/base/file_util.h"
#include "runtime/base/status_macros.h"

namespace crate::registry {
namespace {

constexpr absl::string_view kPartialSuffix = ".partial";
constexpr absl::string_view kMetaSuffix = ".json";
constexpr absl::string_view kLockSuffix = ".lock";
constexpr absl::string_view kAnonPrefix = "anon-";
constexpr size_t kChunk = 1 << 16;

absl::Status FsyncDir(const std::string& dir) {
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd) return ErrnoStatus("open", dir);
  if (::fsync(fd.get()) != 0) return ErrnoStatus("fsync", dir);
  return absl::OkStatus();
}

// Feeds the whole file behind `fd`, from its start, to `digester`.
absl::StatusOr<uint64_t> HashFd(int fd, Digester* digester,
                                const std::string& path) {
  std::string buf(kChunk, '\0');
  uint64_t total = 0;
  off_t pos = 0;
  while (true) {
    ssize_t n = ::pread(fd, buf.data(), buf.size(), pos);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus("read", path);
    }
    if (n == 0) break;
    digester->Update(buf.data(), static_cast<size_t>(n));
    pos += n;
    total += static_cast<uint64_t>(n);
  }
  return total;
}

// An exclusive flock on `path` that tolerates the file being unlinked by
// its previous holder: whoever removes a lock file does so while holding it,
// so after locking we check that the path still names the inode we locked,
// and start again if not. (runtime/base's FileLock assumes lock files are
// never removed; ingest lock files are, once their blob is committed.)
absl::StatusOr<UniqueFd> LockRemovable(const std::string& path, bool wait) {
  while (true) {
    UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
    if (!fd) return ErrnoStatus("open lock", path);
    int rc;
    do {
      rc = ::flock(fd.get(), LOCK_EX | (wait ? 0 : LOCK_NB));
    } while (rc != 0 && errno == EINTR);
    if (rc != 0) {
      if (errno == EWOULDBLOCK) {
        return absl::UnavailableError(
            absl::StrCat("lock ", path, ": held by another process"));
      }
      return ErrnoStatus("flock", path);
    }
    struct stat held, now;
    if (::fstat(fd.get(), &held) != 0) return ErrnoStatus("stat", path);
    if (::stat(path.c_str(), &now) != 0) {
      if (errno == ENOENT) continue;  // removed by its last holder
      return ErrnoStatus("stat", path);
    }
    if (now.st_ino == held.st_ino && now.st_dev == held.st_dev) return fd;
  }
}

std::string RandomHex() {
  unsigned char bytes[8] = {};
  ssize_t n = ::getrandom(bytes, sizeof(bytes), 0);
  if (n != static_cast<ssize_t>(sizeof(bytes))) {
    // Uniqueness, not secrecy, is what matters: pid and time will do.
    uint64_t v = static_cast<uint64_t>(::getpid()) << 32 ^
                 static_cast<uint64_t>(absl::ToUnixNanos(absl::Now()));
    memcpy(bytes, &v, sizeof(bytes));
  }
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char b : bytes) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 0xf]);
  }
  return out;
}

}  // namespace

// ---------------------------------------------------------------- Ingest

Ingest::~Ingest() {
  // Without the lock (StartIngest failed to take it), the files are another
  // writer's.
  if (done_ || !lock_fd_.valid()) return;
  // Nobody can resume an anonymous ingest, and an empty partial file (the
  // transfer failed before its first byte, or a bad download was truncated
  // away) gives a resume nothing: both would only be litter in ingest/.
  if (anonymous_ || offset_ == 0) {
    RemoveFiles();
  }
  // A digest-keyed partial file with bytes stays for a resume; closing
  // lock_fd_ releases the lock.
}

std::string Ingest::Describe(const Digest& digest) const {
  std::string out = absl::StrCat("blob ", digest.ToString());
  if (!description_.empty()) absl::StrAppend(&out, " (", description_, ")");
  return out;
}

void Ingest::RemoveFiles() {
  // The lock file goes last and while still held, so that a waiter that
  // locks the unlinked inode notices and retries (see LockRemovable).
  ::unlink(absl::StrCat(base_, kPartialSuffix).c_str());
  ::unlink(absl::StrCat(base_, kMetaSuffix).c_str());
  ::unlink(absl::StrCat(base_, kLockSuffix).c_str());
  data_fd_.Reset();
  lock_fd_.Reset();
  done_ = true;
}

void Ingest::Abort() {
  if (!done_) RemoveFiles();
}

absl::Status Ingest::Write(absl::string_view data) {
  if (done_) {
    return absl::FailedPreconditionError(
        absl::StrCat("write to ", base_, kPartialSuffix,
                     ": the ingest was already committed or aborted"));
  }
  if (expected_size_ >= 0 &&
      offset_ + data.size() > static_cast<uint64_t>(expected_size_)) {
    std::string what = expected_ ? Describe(*expected_)
                                 : absl::StrCat("blob (", description_, ")");
    RemoveFiles();
    return absl::DataLossError(
        absl::StrCat(what, ": more data than the expected ", expected_size_,
                     " bytes; removed the partial download"));
  }
  std::string path = absl::StrCat(base_, kPartialSuffix);
  absl::Status written = WriteAll(data_fd_.get(), data, path);
  if (!written.ok()) {
    // A short write (ENOSPC) left bytes that were not hashed: cut them off
    // so that the file and the hash still agree and a retry can resume.
    if (::ftruncate(data_fd_.get(), static_cast<off_t>(offset_)) != 0 ||
        ::lseek(data_fd_.get(), static_cast<off_t>(offset_), SEEK_SET) < 0) {
      RemoveFiles();
    }
    return Annotate(written, expected_ ? Describe(*expected_) : "blob");
  }
  digester_->Update(data);
  offset_ += data.size();
  return absl::OkStatus();
}

absl::Status Ingest::Truncate() {
  if (done_) {
    return absl::FailedPreconditionError(
        absl::StrCat("truncate ", base_, kPartialSuffix,
                     ": the ingest was already committed or aborted"));
  }
  std::string path = absl::StrCat(base_, kPartialSuffix);
  if (::ftruncate(data_fd_.get(), 0) != 0) return ErrnoStatus("truncate", path);
  if (::lseek(data_fd_.get(), 0, SEEK_SET) < 0) {
    return ErrnoStatus("seek", path);
  }
  digester_->Reset();
  offset_ = 0;
  return absl::OkStatus();
}

absl::StatusOr<Digest> Ingest::Commit(absl::optional<Digest> expected,
                                      int64_t expected_size) {
  if (done_) {
    return absl::FailedPreconditionError(
        absl::StrCat("commit ", base_, kPartialSuffix,
                     ": the ingest was already committed or aborted"));
  }
  if (expected && expected_ && *expected != *expected_) {
    RemoveFiles();
    return absl::InvalidArgumentError(
        absl::StrCat(Describe(*expected_), ": committed as ",
                     expected->ToString(), ", a different digest"));
  }
  if (!expected) expected = expected_;
  if (expected_size < 0) expected_size = expected_size_;
  if (expected && expected->algorithm() != digester_->algorithm()) {
    RemoveFiles();
    return absl::InvalidArgumentError(
        absl::StrCat(Describe(*expected), ": hashed with ",
                     digester_->algorithm(), ", so it cannot be checked"));
  }
  std::string partial = absl::StrCat(base_, kPartialSuffix);
  std::string what = expected ? Describe(*expected)
                              : absl::StrCat("blob (", description_, ")");
  if (expected_size >= 0 && offset_ != static_cast<uint64_t>(expected_size)) {
    RemoveFiles();
    return absl::DataLossError(absl::StrCat(what, ": size ", offset_,
                                            " does not match the expected ",
                                            expected_size));
  }
  Digest actual = digester_->Finish();
  if (expected && actual != *expected) {
    RemoveFiles();
    return absl::DataLossError(absl::StrCat(what, ": content has digest ",
                                            actual.ToString(), " (", offset_,
                                            " bytes)"));
  }
  absl::Status status;
  std::string dir = JoinPath(blobs_dir_, actual.algorithm());
  std::string target = JoinPath(dir, actual.hex());
  if (::fchmod(data_fd_.get(), 0444) != 0) {
    status = ErrnoStatus("chmod", partial);
  } else if (::fsync(data_fd_.get()) != 0) {
    status = ErrnoStatus("fsync", partial);
  } else if (!PathExists(target)) {  // else: same bytes already published
    status = MakeDirs(dir);
    if (status.ok() && ::rename(partial.c_str(), target.c_str()) != 0) {
      status = ErrnoStatus(absl::StrCat("rename to ", target), partial);
    }
    if (status.ok()) status = FsyncDir(dir);
  }
  RemoveFiles();
  if (!status.ok()) return Annotate(status, Describe(actual));
  return actual;
}

// ---------------------------------------------------------------- Store

absl::StatusOr<ContentStore> ContentStore::Open(const std::string& root) {
  ContentStore store(root);
  RETURN_IF_ERROR(MakeDirs(JoinPath(store.BlobsDir(), "sha256"), 0755));
  RETURN_IF_ERROR(MakeDirs(store.IngestDir(), 0700));
  return store;
}

std::string ContentStore::BlobsDir() const { return JoinPath(root_, "blobs"); }
std::string ContentStore::IngestDir() const {
  return JoinPath(root_, "ingest");
}

std::string ContentStore::BlobPath(const Digest& digest) const {
  return JoinPath(JoinPath(BlobsDir(), digest.algorithm()), digest.hex());
}

bool ContentStore::Has(const Digest& digest) const {
  if (!digest.valid()) return false;
  struct stat st;
  return ::stat(BlobPath(digest).c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

absl::StatusOr<BlobInfo> ContentStore::Info(const Digest& digest) const {
  if (!digest.valid()) {
    return absl::InvalidArgumentError("blob info: empty digest");
  }
  struct stat st;
  if (::stat(BlobPath(digest).c_str(), &st) != 0) {
    if (errno == ENOENT) {
      return absl::NotFoundError(absl::StrCat("blob ", digest.ToString(),
                                              ": not in the content store"));
    }
    return ErrnoStatus("stat", BlobPath(digest));
  }
  BlobInfo info;
  info.digest = digest;
  info.size = static_cast<uint64_t>(st.st_size);
  info.committed = absl::TimeFromTimespec(st.st_mtim);
  return info;
}

absl::StatusOr<UniqueFd> ContentStore::OpenBlob(const Digest& digest) const {
  if (!digest.valid()) {
    return absl::InvalidArgumentError("open blob: empty digest");
  }
  std::string path = BlobPath(digest);
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) {
    if (errno == ENOENT) {
      return absl::NotFoundError(absl::StrCat("blob ", digest.ToString(),
                                              ": not in the content store"));
    }
    return ErrnoStatus("open", path);
  }
  return fd;
}

absl::StatusOr<std::string> ContentStore::ReadBlob(const Digest& digest,
                                                   size_t max_size) const {
  ASSIGN_OR_RETURN(UniqueFd fd, OpenBlob(digest));
  std::string path = BlobPath(digest);
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) return ErrnoStatus("stat", path);
  if (static_cast<uint64_t>(st.st_size) > max_size) {
    return absl::ResourceExhaustedError(
        absl::StrCat("blob ", digest.ToString(), ": ", st.st_size,
                     " bytes is more than the limit of ", max_size));
  }
  std::string out(static_cast<size_t>(st.st_size), '\0');
  size_t got = 0;
  while (got < out.size()) {
    ssize_t n = ::pread(fd.get(), out.data() + got, out.size() - got, got);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus("read", path);
    }
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  out.resize(got);
  ASSIGN_OR_RETURN(Digester d, Digester::Create(digest.algorithm()));
  d.Update(out);
  Digest actual = d.Finish();
  if (actual != digest) {
    return absl::DataLossError(
        absl::StrCat("blob ", digest.ToString(),
                     " is corrupt in the content store: content has digest ",
                     actual.ToString(), " (run verify to remove it)"));
  }
  return out;
}

absl::Status ContentStore::Delete(const Digest& digest) {
  if (!digest.valid()) {
    return absl::InvalidArgumentError("delete blob: empty digest");
  }
  std::string path = BlobPath(digest);
  if (::unlink(path.c_str()) != 0) {
    if (errno == ENOENT) {
      return absl::NotFoundError(absl::StrCat("blob ", digest.ToString(),
                                              ": not in the content store"));
    }
    return ErrnoStatus("remove", path);
  }
  return absl::OkStatus();
}

absl::Status ContentStore::Walk(
    const std::function<absl::Status(const BlobInfo&)>& fn) const {
  ASSIGN_OR_RETURN(std::vector<std::string> algos, ListDir(BlobsDir()));
  for (const std::string& algo : algos) {
    if (!IsSupportedDigestAlgorithm(algo)) continue;
    std::string dir = JoinPath(BlobsDir(), algo);
    ASSIGN_OR_RETURN(std::vector<std::string> names, ListDir(dir));
    for (const std::string& name : names) {
      auto digest = Digest::Parse(absl::StrCat(algo, ":", name));
      if (!digest.ok()) continue;
      auto info = Info(*digest);
      if (absl::IsNotFound(info.status())) continue;  // removed meanwhile
      if (!info.ok()) return info.status();
      RETURN_IF_ERROR(fn(*info));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<Ingest>> ContentStore::StartIngest(
    const IngestOptions& options) {
  std::unique_ptr<Ingest> ingest(new Ingest());
  ingest->blobs_dir_ = BlobsDir();
  ingest->description_ = options.description;
  ingest->expected_ = options.expected_digest;
  ingest->expected_size_ = options.expected_size;
  std::string algorithm = "sha256";
  std::string key;
  if (options.expected_digest) {
    const Digest& d = *options.expected_digest;
    if (!d.valid()) {
      return absl::InvalidArgumentError(
          absl::StrCat("ingest (", options.description, "): empty digest"));
    }
    if (Has(d)) {
      return absl::AlreadyExistsError(
          absl::StrCat(ingest->Describe(d), ": already present"));
    }
    algorithm = d.algorithm();
    key = absl::StrCat(d.algorithm(), "-", d.hex());
  } else {
    ingest->anonymous_ = true;
    key = absl::StrCat(kAnonPrefix, RandomHex());
  }
  ingest->base_ = JoinPath(IngestDir(), key);
  ASSIGN_OR_RETURN(
      ingest->lock_fd_,
      LockRemovable(absl::StrCat(ingest->base_, kLockSuffix), options.wait));
  if (options.expected_digest && Has(*options.expected_digest)) {
    // Another writer committed it while we waited for the lock. Waiting
    // re-created the lock file; nothing needs it now.
    ingest->RemoveFiles();
    return absl::AlreadyExistsError(absl::StrCat(
        ingest->Describe(*options.expected_digest), ": already present"));
  }
  ASSIGN_OR_RETURN(Digester digester, Digester::Create(algorithm));
  ingest->digester_ = std::make_unique<Digester>(std::move(digester));

  std::string partial = absl::StrCat(ingest->base_, kPartialSuffix);
  ingest->data_fd_ =
      UniqueFd(::open(partial.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  if (!ingest->data_fd_) return ErrnoStatus("open", partial);

  // What an earlier writer left is taken as the start of the blob; its
  // hash state died with it, so the bytes are hashed again.
  ASSIGN_OR_RETURN(ingest->offset_, HashFd(ingest->data_fd_.get(),
                                           ingest->digester_.get(), partial));
  if (options.expected_size >= 0 &&
      ingest->offset_ > static_cast<uint64_t>(options.expected_size)) {
    RETURN_IF_ERROR(ingest->Truncate());
  }
  if (::lseek(ingest->data_fd_.get(), 0, SEEK_END) < 0) {
    return ErrnoStatus("seek", partial);
  }
  nlohmann::json meta = {
      {"expected_digest",
       options.expected_digest ? options.expected_digest->ToString() : ""},
      {"expected_size", options.expected_size},
      {"description", options.description},
      {"pid", static_cast<int64_t>(::getpid())},
      {"started", absl::ToUnixSeconds(absl::Now())},
  };
  RETURN_IF_ERROR(WriteFileAtomic(absl::StrCat(ingest->base_, kMetaSuffix),
                                  meta.dump(), 0600));
  return ingest;
}

absl::StatusOr<Digest> ContentStore::WriteBlob(absl::string_view data,
                                               absl::optional<Digest> expected,
                                               absl::string_view description) {
  IngestOptions options;
  options.expected_digest = expected;
  options.expected_size = static_cast<int64_t>(data.size());
  options.description = std::string(description);
  auto ingest = StartIngest(options);
  if (absl::IsAlreadyExists(ingest.status())) return *expected;
  if (!ingest.ok()) return ingest.status();
  RETURN_IF_ERROR((*ingest)->Truncate());
  RETURN_IF_ERROR((*ingest)->Write(data));
  return (*ingest)->Commit();
}

absl::StatusOr<std::vector<IngestStatus>> ContentStore::ListIngests() const {
  ASSIGN_OR_RETURN(std::vector<std::string> names, ListDir(IngestDir()));
  std::vector<IngestStatus> out;
  for (const std::string& name : names) {
    if (!absl::EndsWith(name, kPartialSuffix)) continue;
    IngestStatus st;
    st.key = name.substr(0, name.size() - kPartialSuffix.size());
    std::string base = JoinPath(IngestDir(), st.key);
    struct stat data;
    if (::stat(JoinPath(IngestDir(), name).c_str(), &data) != 0) continue;
    st.offset = static_cast<uint64_t>(data.st_size);
    st.updated = absl::TimeFromTimespec(data.st_mtim);
    if (auto meta = ReadFile(absl::StrCat(base, kMetaSuffix), 1 << 16);
        meta.ok()) {
      nlohmann::json j = nlohmann::json::parse(*meta, nullptr, false);
      if (j.is_object()) {
        if (auto d = Digest::Parse(j.value("expected_digest", "")); d.ok()) {
          st.expected_digest = *d;
        }
        st.expected_size = j.value("expected_size", int64_t{-1});
        st.description = j.value("description", "");
      }
    }
    // A shared, non-blocking probe: it fails only against a writer's
    // exclusive lock, and never creates a lock file.
    UniqueFd lock(
        ::open(absl::StrCat(base, kLockSuffix).c_str(), O_RDONLY | O_CLOEXEC));
    if (lock && ::flock(lock.get(), LOCK_SH | LOCK_NB) != 0 &&
        errno == EWOULDBLOCK) {
      st.active = true;
    }
    out.push_back(std::move(st));
  }
  std::sort(out.begin(), out.end(),
            [](const IngestStatus& a, const IngestStatus& b) {
              return a.key < b.key;
            });
  return out;
}

absl::StatusOr<VerifyReport> ContentStore::Verify(bool remove_bad) {
  VerifyReport report;
  ASSIGN_OR_RETURN(std::vector<std::string> algos, ListDir(BlobsDir()));
  for (const std::string& algo : algos) {
    std::string dir = JoinPath(BlobsDir(), algo);
    if (!IsSupportedDigestAlgorithm(algo)) {
      report.problems.push_back(
          {dir, "not a supported digest algorithm", false});
      continue;
    }
    ASSIGN_OR_RETURN(std::vector<std::string> names, ListDir(dir));
    for (const std::string& name : names) {
      std::string path = JoinPath(dir, name);
      auto digest = Digest::Parse(absl::StrCat(algo, ":", name));
      std::string reason;
      if (!digest.ok()) {
        reason = "not a digest name";
      } else {
        UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
        if (!fd) {
          if (errno == ENOENT) continue;
          reason = ErrnoStatus("open", path).ToString();
        } else {
          struct stat st;
          if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
            reason = "not a regular file";
          } else {
            ASSIGN_OR_RETURN(Digester d, Digester::Create(algo));
            ASSIGN_OR_RETURN(uint64_t n, HashFd(fd.get(), &d, path));
            ++report.blobs_checked;
            report.bytes_checked += n;
            Digest actual = d.Finish();
            if (actual != *digest) {
              reason = absl::StrCat("content has digest ", actual.ToString());
            }
          }
        }
      }
      if (reason.empty()) continue;
      VerifyProblem problem{path, reason, false};
      if (remove_bad) {
        if (::unlink(path.c_str()) == 0 || errno == ENOENT) {
          problem.removed = true;
        } else {
          problem.reason +=
              absl::StrCat("; ", ErrnoStatus("remove", path).message());
        }
      }
      report.problems.push_back(std::move(problem));
    }
  }
  return report;
}

absl::StatusOr<Lease> ContentStore::AcquireLease() const {
  return FileLock::Acquire(JoinPath(root_, "gc.lock"), FileLock::Mode::kShared);
}

absl::StatusOr<GcReport> ContentStore::GarbageCollect(
    const std::function<absl::StatusOr<absl::flat_hash_set<Digest>>()>& mark,
    const GcOptions& options) {
  std::string lock_path = JoinPath(root_, "gc.lock");
  absl::StatusOr<FileLock> lock = options.wait
                                      ? FileLock::Acquire(lock_path)
                                      : FileLock::TryAcquire(lock_path);
  if (!lock.ok()) {
    return Annotate(lock.status(), "garbage collection: a pull is running");
  }
  ASSIGN_OR_RETURN(absl::flat_hash_set<Digest> live, mark());

  GcReport report;
  std::vector<BlobInfo> dead;
  RETURN_IF_ERROR(Walk([&](const BlobInfo& info) {
    if (!live.contains(info.digest)) dead.push_back(info);
    return absl::OkStatus();
  }));
  for (const BlobInfo& info : dead) {
    if (!options.dry_run) {
      absl::Status s = Delete(info.digest);
      if (absl::IsNotFound(s)) continue;
      RETURN_IF_ERROR(s);
    }
    report.removed_blobs.push_back(info.digest);
    report.bytes_freed += info.size;
  }
  if (!dead.empty() && !options.dry_run) {
    for (const char* algo : {"sha256", "sha384", "sha512"}) {
      std::string dir = JoinPath(BlobsDir(), algo);
      if (PathExists(dir)) RETURN_IF_ERROR(FsyncDir(dir));
    }
  }

  RETURN_IF_ERROR(SweepIngests(options, &report));
  return report;
}

absl::Status ContentStore::SweepIngests(const GcOptions& options,
                                        GcReport* report) {
  // Every key with any of its files, and the temporary files of metadata
  // writes that a killed writer left (WriteFileAtomic's "<key>.json.tmp.*").
  ASSIGN_OR_RETURN(std::vector<std::string> names, ListDir(IngestDir()));
  std::map<std::string, std::vector<std::string>> stray_tmp;
  std::map<std::string, bool> keys;
  for (const std::string& name : names) {
    if (size_t tmp = name.find(absl::StrCat(kMetaSuffix, ".tmp."));
        tmp != std::string::npos) {
      std::string key = name.substr(0, tmp);
      keys[key] = true;
      stray_tmp[key].push_back(name);
      continue;
    }
    for (absl::string_view suffix :
         {kPartialSuffix, kMetaSuffix, kLockSuffix}) {
      if (absl::EndsWith(name, suffix)) {
        keys[name.substr(0, name.size() - suffix.size())] = true;
      }
    }
  }
  absl::Time now = absl::Now();
  for (const auto& entry : keys) {
    const std::string& key = entry.first;
    std::string base = JoinPath(IngestDir(), key);
    // A writer holds the key's flock from StartIngest to Commit or its
    // death (the kernel drops it then), so a lock we cannot take means a
    // live process is writing: never touch that ingest, however old.
    auto held = LockRemovable(absl::StrCat(base, kLockSuffix), /*wait=*/false);
    if (absl::IsUnavailable(held.status())) continue;  // being written
    if (!held.ok()) return held.status();
    // Nobody writes it now. What is left is worth keeping only as a
    // keyed partial with bytes in it, young enough that a pull may still
    // come back to resume it.
    bool remove = absl::StartsWith(key, kAnonPrefix);
    struct stat st;
    std::string partial = absl::StrCat(base, kPartialSuffix);
    if (::stat(partial.c_str(), &st) != 0 || st.st_size == 0) {
      remove = true;
    } else if (now - absl::TimeFromTimespec(st.st_mtim) >=
               options.ingest_max_age) {
      remove = true;
    }
    std::vector<std::string> doomed = stray_tmp[key];
    if (remove) {
      report->removed_ingests.push_back(key);
      for (absl::string_view suffix : {kPartialSuffix, kMetaSuffix}) {
        doomed.push_back(absl::StrCat(key, suffix));
      }
    }
    if (options.dry_run) continue;
    for (const std::string& name : doomed) {
      std::string path = JoinPath(IngestDir(), name);
      if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
        return ErrnoStatus("remove stale ingest file", path);
      }
    }
    // The lock file last and while still held (see LockRemovable).
    std::string lock = absl::StrCat(base, kLockSuffix);
    if (remove && ::unlink(lock.c_str()) != 0 && errno != ENOENT) {
      return ErrnoStatus("remove stale ingest file", lock);
    }
  }
  return absl::OkStatus();
}

}  // namespace crate::registry
