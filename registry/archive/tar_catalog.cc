#include "registry/archive/tar_catalog.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <deque>
#include <memory>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "runtime/base/errno_status.h"
#include "runtime/base/status_macros.h"

namespace crate::registry {
namespace {

constexpr size_t kReadBuffer = 1 << 20;
constexpr size_t kHeadSize = 16;
constexpr size_t kSniffSize = 4096;
constexpr int kMaxLinkHops = 40;

struct ArchiveDeleter {
  void operator()(struct archive* a) const { archive_read_free(a); }
};
using ArchivePtr = std::unique_ptr<struct archive, ArchiveDeleter>;

// The archive file as libarchive's client: plain reads, and skips that seek
// but never past the end of the file. libarchive then reads what a skip
// left, finds the end early and reports the truncation, where a seek past
// the end would have hidden it until the next header, or for good.
struct FdSource {
  int fd = -1;
  bool seekable = false;
  uint64_t size = 0;
  std::vector<char> buf = std::vector<char>(kReadBuffer);
};

la_ssize_t SourceRead(struct archive* a, void* data, const void** out) {
  auto* s = static_cast<FdSource*>(data);
  while (true) {
    ssize_t n = read(s->fd, s->buf.data(), s->buf.size());
    if (n >= 0) {
      *out = s->buf.data();
      return n;
    }
    if (errno != EINTR) {
      archive_set_error(a, errno, "read: %s", strerror(errno));
      return -1;
    }
  }
}

la_int64_t SourceSkip(struct archive*, void* data, la_int64_t request) {
  auto* s = static_cast<FdSource*>(data);
  if (!s->seekable || request <= 0) return 0;
  off_t pos = lseek(s->fd, 0, SEEK_CUR);
  if (pos < 0 || static_cast<uint64_t>(pos) >= s->size) return 0;
  la_int64_t n = std::min<la_int64_t>(
      request, static_cast<la_int64_t>(s->size - static_cast<uint64_t>(pos)));
  if (lseek(s->fd, n, SEEK_CUR) < 0) return 0;
  return n;
}

std::string ArchiveMessage(struct archive* a) {
  const char* msg = archive_error_string(a);
  return msg != nullptr ? msg : "unknown error";
}

// Opens a libarchive reader of tar (plain, gzip, bzip2, xz or zstd) over
// `source`, from the first byte of its file.
absl::StatusOr<ArchivePtr> OpenTar(FdSource& source,
                                   const std::string& archive) {
  const std::string ctx = absl::StrCat("archive ", archive);
  struct stat st;
  if (fstat(source.fd, &st) != 0) return ErrnoStatus("stat", archive);
  source.seekable = S_ISREG(st.st_mode);
  source.size = static_cast<uint64_t>(st.st_size);
  if (source.seekable && lseek(source.fd, 0, SEEK_SET) != 0) {
    return ErrnoStatus("seek", archive);
  }
  ArchivePtr a(archive_read_new());
  if (!a) return absl::ResourceExhaustedError("archive_read_new");
  archive_read_support_format_tar(a.get());
  archive_read_support_filter_none(a.get());
  archive_read_support_filter_gzip(a.get());
  archive_read_support_filter_bzip2(a.get());
  archive_read_support_filter_xz(a.get());
  archive_read_support_filter_zstd(a.get());
  if (archive_read_open2(a.get(), &source, nullptr, SourceRead, SourceSkip,
                         nullptr) != ARCHIVE_OK) {
    return absl::DataLossError(absl::StrCat(
        ctx, ": not a tar archive (plain, gzip, bzip2, xz or zstd): ",
        ArchiveMessage(a.get())));
  }
  return a;
}

// Reads `len` bytes of the current entry into `out`, all of them.
absl::Status ReadExactly(struct archive* a, char* out, size_t len) {
  size_t got = 0;
  while (got < len) {
    la_ssize_t n = archive_read_data(a, out + got, len - got);
    if (n < 0) return absl::DataLossError(ArchiveMessage(a));
    if (n == 0) {
      return absl::DataLossError(
          absl::StrCat("the tar ends after ", got, " of ", len, " bytes"));
    }
    got += static_cast<size_t>(n);
  }
  return absl::OkStatus();
}

bool LooksLikeJson(absl::string_view s) {
  for (char c : s) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') continue;
    return c == '{' || c == '[';
  }
  return false;
}

std::vector<std::string> SplitPath(absl::string_view path) {
  return absl::StrSplit(path, '/', absl::SkipEmpty());
}

std::string EntryContext(const std::string& archive, absl::string_view entry) {
  return absl::StrCat("archive ", archive, ": entry \"", entry, "\"");
}

absl::string_view TypeName(mode_t type) {
  switch (type) {
    case AE_IFCHR:
      return "a character device";
    case AE_IFBLK:
      return "a block device";
    case AE_IFIFO:
      return "a fifo";
    case AE_IFSOCK:
      return "a socket";
    default:
      return "of an unknown type";
  }
}

}  // namespace

absl::StatusOr<std::string> CleanArchivePath(absl::string_view name) {
  if (absl::StartsWith(name, "/")) {
    return absl::PermissionDeniedError("is an absolute path; refusing it");
  }
  std::vector<absl::string_view> parts;
  for (absl::string_view part : absl::StrSplit(name, '/', absl::SkipEmpty())) {
    if (part == ".") continue;
    if (part == "..") {
      return absl::PermissionDeniedError("contains \"..\"; refusing it");
    }
    parts.push_back(part);
  }
  return absl::StrJoin(parts, "/");
}

// Fills a catalogue from the first pass over an archive.
class TarScanner {
 public:
  TarScanner(TarCatalog& catalog, const TarScanOptions& options)
      : c_(catalog), options_(options) {}

  absl::Status Entry(struct archive* a, struct archive_entry* e) {
    const char* raw = archive_entry_pathname(e);
    const std::string entry = raw != nullptr ? raw : "";
    absl::Status s = Add(a, e, entry);
    return s.ok() ? s : Annotate(s, EntryContext(c_.archive_, entry));
  }

 private:
  absl::Status Add(struct archive* a, struct archive_entry* e,
                   const std::string& entry) {
    ASSIGN_OR_RETURN(std::string name, CleanArchivePath(entry));
    const mode_t type = archive_entry_filetype(e);
    if (name.empty()) {
      if (type == AE_IFDIR) return absl::OkStatus();  // "./"
      return absl::InvalidArgumentError("has no name");
    }
    if (++entries_ > options_.max_entries) {
      return absl::ResourceExhaustedError(
          absl::StrCat("the archive has more than ", options_.max_entries,
                       " entries; refusing it"));
    }
    if (type != AE_IFDIR &&
        (c_.files_.contains(name) || c_.symlinks_.contains(name) ||
         c_.hardlinks_.contains(name) || c_.dirs_.contains(name))) {
      return absl::InvalidArgumentError("appears twice in the archive");
    }
    if (const char* hardlink = archive_entry_hardlink(e)) {
      absl::StatusOr<std::string> target = CleanArchivePath(hardlink);
      if (!target.ok()) {
        return Annotate(target.status(),
                        absl::StrCat("hard link to \"", hardlink, "\""));
      }
      if (!c_.files_.contains(*target) && !c_.symlinks_.contains(*target) &&
          !c_.hardlinks_.contains(*target)) {
        return absl::InvalidArgumentError(absl::StrCat(
            "hard link to \"", hardlink, "\", which is not before it"));
      }
      c_.hardlinks_[name] = *std::move(target);
      return absl::OkStatus();
    }
    switch (type) {
      case AE_IFDIR:
        if (c_.files_.contains(name) || c_.symlinks_.contains(name)) {
          return absl::InvalidArgumentError("appears twice in the archive");
        }
        c_.dirs_.insert(name);
        return absl::OkStatus();
      case AE_IFLNK:
        return Symlink(name, archive_entry_symlink(e));
      case AE_IFREG:
        return File(a, e, name);
      default:
        return absl::InvalidArgumentError(
            absl::StrCat("is ", TypeName(type),
                         "; an image archive holds only files, directories "
                         "and links"));
    }
  }

  // A link that leaves the archive on its face is refused at once, used or
  // not; Resolve checks again as it follows links through other links.
  absl::Status Symlink(const std::string& name, const char* raw_target) {
    const std::string target = raw_target != nullptr ? raw_target : "";
    if (absl::StartsWith(target, "/")) {
      return absl::PermissionDeniedError(absl::StrCat(
          "is a symlink to the absolute path \"", target, "\"; refusing it"));
    }
    std::vector<std::string> parts = SplitPath(name);
    parts.pop_back();
    for (const std::string& part : SplitPath(target)) {
      if (part == ".") continue;
      if (part != "..") {
        parts.push_back(part);
      } else if (parts.empty()) {
        return absl::PermissionDeniedError(
            absl::StrCat("is a symlink to \"", target,
                         "\", which leads out of the archive; refusing it"));
      } else {
        parts.pop_back();
      }
    }
    c_.symlinks_[name] = target;
    return absl::OkStatus();
  }

  absl::Status File(struct archive* a, struct archive_entry* e,
                    const std::string& name) {
    const la_int64_t raw_size = archive_entry_size(e);
    if (raw_size < 0) return absl::DataLossError("has a negative size");
    const uint64_t size = static_cast<uint64_t>(raw_size);
    if (size > options_.max_total_bytes ||
        total_ > options_.max_total_bytes - size) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "the archive's files add up to more than ", options_.max_total_bytes,
          " bytes (the configured limit); refusing it"));
    }
    total_ += size;
    TarFile file;
    file.size = size;
    std::string first(static_cast<size_t>(std::min<uint64_t>(size, kSniffSize)),
                      '\0');
    RETURN_IF_ERROR(ReadExactly(a, first.data(), first.size()));
    file.head = first.substr(0, kHeadSize);
    if (LooksLikeJson(first) && size <= options_.max_json_size) {
      if (json_total_ + size > options_.max_json_total) {
        return absl::ResourceExhaustedError(absl::StrCat(
            "the archive holds more than ", options_.max_json_total,
            " bytes of JSON documents; refusing it"));
      }
      json_total_ += size;
      std::string content = std::move(first);
      const size_t have = content.size();
      content.resize(static_cast<size_t>(size));
      RETURN_IF_ERROR(ReadExactly(a, content.data() + have, size - have));
      file.json = std::move(content);
    } else if (archive_read_data_skip(a) != ARCHIVE_OK) {
      return absl::DataLossError(ArchiveMessage(a));
    }
    c_.files_.emplace(name, std::move(file));
    return absl::OkStatus();
  }

  TarCatalog& c_;
  const TarScanOptions& options_;
  size_t entries_ = 0;
  uint64_t total_ = 0;
  size_t json_total_ = 0;
};

absl::StatusOr<TarCatalog> TarCatalog::Scan(int fd, std::string archive,
                                            const TarScanOptions& options) {
  TarCatalog catalog(std::move(archive));
  FdSource source;
  source.fd = fd;
  ASSIGN_OR_RETURN(ArchivePtr a, OpenTar(source, catalog.archive_));
  TarScanner scanner(catalog, options);
  while (true) {
    struct archive_entry* e;
    int r = archive_read_next_header(a.get(), &e);
    if (r == ARCHIVE_EOF) break;
    if (r < ARCHIVE_WARN) {
      return absl::DataLossError(
          absl::StrCat("archive ", catalog.archive_,
                       ": reading the tar: ", ArchiveMessage(a.get())));
    }
    RETURN_IF_ERROR(scanner.Entry(a.get(), e));
  }
  return catalog;
}

absl::StatusOr<std::string> TarCatalog::Resolve(absl::string_view name) const {
  const std::string ctx = absl::StrCat("entry \"", name, "\"");
  absl::StatusOr<std::string> clean = CleanArchivePath(name);
  if (!clean.ok()) return Annotate(clean.status(), ctx);
  std::deque<std::string> todo;
  for (std::string& p : SplitPath(*clean)) todo.push_back(std::move(p));
  std::vector<std::string> done;
  int hops = 0;
  auto hop = [&]() -> absl::Status {
    if (++hops > kMaxLinkHops) {
      return absl::InvalidArgumentError(
          absl::StrCat(ctx, ": more than ", kMaxLinkHops,
                       " links to follow (a loop?); refusing it"));
    }
    return absl::OkStatus();
  };
  while (true) {
    while (!todo.empty()) {
      std::string part = std::move(todo.front());
      todo.pop_front();
      if (part == ".") continue;
      if (part == "..") {
        if (done.empty()) {
          return absl::PermissionDeniedError(absl::StrCat(
              ctx, ": its links lead out of the archive; refusing it"));
        }
        done.pop_back();
        continue;
      }
      done.push_back(std::move(part));
      auto link = symlinks_.find(absl::StrJoin(done, "/"));
      if (link == symlinks_.end()) continue;
      RETURN_IF_ERROR(hop());
      done.pop_back();
      std::vector<std::string> target = SplitPath(link->second);
      todo.insert(todo.begin(), target.begin(), target.end());
    }
    const std::string path = absl::StrJoin(done, "/");
    auto hard = hardlinks_.find(path);
    if (hard == hardlinks_.end()) break;
    // Hard link targets are names from the archive's root.
    RETURN_IF_ERROR(hop());
    done.clear();
    for (std::string& p : SplitPath(hard->second)) todo.push_back(std::move(p));
  }
  const std::string path = absl::StrJoin(done, "/");
  if (files_.contains(path)) return path;
  if (path.empty() || dirs_.contains(path)) {
    return absl::InvalidArgumentError(
        absl::StrCat(ctx, ": is a directory, not a file"));
  }
  return absl::NotFoundError(absl::StrCat(ctx, ": not in the archive"));
}

absl::StatusOr<absl::string_view> TarCatalog::Json(absl::string_view name,
                                                   size_t max_size) const {
  ASSIGN_OR_RETURN(std::string resolved, Resolve(name));
  const TarFile& f = files_.at(resolved);
  if (f.size > max_size) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "entry \"", name, "\": ", f.size, " bytes is more than the limit of ",
        max_size, " for this document"));
  }
  if (!f.json) {
    return absl::InvalidArgumentError(
        absl::StrCat("entry \"", name, "\": not a JSON document"));
  }
  return absl::string_view(*f.json);
}

absl::Status TarCatalog::Stream(int fd,
                                const absl::flat_hash_set<std::string>& names,
                                const EntryFn& fn) const {
  FdSource source;
  source.fd = fd;
  ASSIGN_OR_RETURN(ArchivePtr a, OpenTar(source, archive_));
  absl::flat_hash_set<std::string> seen;
  while (seen.size() < names.size()) {
    struct archive_entry* e;
    int r = archive_read_next_header(a.get(), &e);
    if (r == ARCHIVE_EOF) break;
    if (r < ARCHIVE_WARN) {
      return absl::DataLossError(
          absl::StrCat("archive ", archive_,
                       ": reading the tar again: ", ArchiveMessage(a.get())));
    }
    if (archive_entry_filetype(e) != AE_IFREG ||
        archive_entry_hardlink(e) != nullptr) {
      continue;
    }
    const char* raw = archive_entry_pathname(e);
    absl::StatusOr<std::string> name = CleanArchivePath(raw ? raw : "");
    if (!name.ok() || !names.contains(*name) || seen.contains(*name)) continue;
    seen.insert(*name);
    const TarFile& file = files_.at(*name);
    const std::string ctx = EntryContext(archive_, *name);
    if (archive_entry_size(e) != static_cast<la_int64_t>(file.size)) {
      return absl::DataLossError(
          absl::StrCat(ctx, ": its size changed since the archive was read"));
    }
    struct archive* ar = a.get();
    EntryReader read = [ar, &ctx](char* buf,
                                  size_t len) -> absl::StatusOr<size_t> {
      la_ssize_t n = archive_read_data(ar, buf, len);
      if (n < 0) {
        return absl::DataLossError(
            absl::StrCat(ctx, ": reading: ", ArchiveMessage(ar)));
      }
      return static_cast<size_t>(n);
    };
    RETURN_IF_ERROR(fn(*name, file, read));
  }
  for (const std::string& n : names) {
    if (!seen.contains(n)) {
      return absl::DataLossError(
          absl::StrCat(EntryContext(archive_, n),
                       ": not found when the archive was read again; did "
                       "it change?"));
    }
  }
  return absl::OkStatus();
}

}  // namespace crate::registry
