#include "registry/unpack/layer.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "registry/reference/digest.h"
#include "registry/unpack/fs_walk.h"
#include "runtime/base/errno_status.h"
#include "runtime/base/file_util.h"
#include "runtime/base/status_macros.h"
#include "runtime/base/unique_fd.h"

namespace crate::registry {
namespace {

constexpr size_t kBufferSize = 256 << 10;
constexpr char kWhiteoutPrefix[] = ".wh.";
constexpr char kOpaqueMarker[] = ".wh..wh..opq";

// Two libarchive readers in one pull pipeline: the first only decompresses
// (format "raw"), the second parses tar from what the first produced. The
// decompressed bytes pass through here once, so the DiffID and the size
// limit are computed on exactly the stream the tar parser sees.
struct Pipeline {
  const LayerReader* reader = nullptr;
  const ApplyOptions* options = nullptr;
  std::vector<char> in_buf = std::vector<char>(kBufferSize);
  std::vector<char> out_buf = std::vector<char>(kBufferSize);
  struct archive* decompressor = nullptr;
  Digester hasher = Digester::Sha256();
  uint64_t total = 0;
  uint64_t taken_from_image = 0;  // of options->image_budget
  bool eof = false;
  absl::Status error;  // First failure seen by a callback.
};

la_ssize_t ReadCompressed(struct archive* a, void* data, const void** buf) {
  auto* p = static_cast<Pipeline*>(data);
  absl::StatusOr<size_t> n = (*p->reader)(p->in_buf.data(), p->in_buf.size());
  if (!n.ok()) {
    if (p->error.ok()) p->error = n.status();
    archive_set_error(a, EIO, "%s", std::string(n.status().message()).c_str());
    return -1;
  }
  *buf = p->in_buf.data();
  return static_cast<la_ssize_t>(*n);
}

la_ssize_t ReadDecompressed(struct archive* a, void* data, const void** buf) {
  auto* p = static_cast<Pipeline*>(data);
  if (p->eof) return 0;
  la_ssize_t n =
      archive_read_data(p->decompressor, p->out_buf.data(), p->out_buf.size());
  if (n < 0) {
    if (p->error.ok()) {
      const char* msg = archive_error_string(p->decompressor);
      p->error = absl::DataLossError(
          absl::StrCat("layer ", p->options->layer_name,
                       ": decompressing: ", msg ? msg : "unknown error"));
    }
    archive_set_error(a, EIO, "decompression failed");
    return -1;
  }
  if (n == 0) {
    p->eof = true;
    return 0;
  }
  p->total += static_cast<uint64_t>(n);
  if (p->total > p->options->max_uncompressed_bytes) {
    if (p->error.ok()) {
      p->error = absl::ResourceExhaustedError(absl::StrCat(
          "layer ", p->options->layer_name, ": decompresses to more than ",
          p->options->max_uncompressed_bytes,
          " bytes (the configured limit per layer); refusing it"));
    }
    archive_set_error(a, EFBIG, "size limit");
    return -1;
  }
  if (ImageUnpackBudget* budget = p->options->image_budget) {
    absl::Status s =
        budget->Take(static_cast<uint64_t>(n),
                     absl::StrCat("layer ", p->options->layer_name));
    if (!s.ok()) {
      if (p->error.ok()) p->error = std::move(s);
      archive_set_error(a, EFBIG, "image size limit");
      return -1;
    }
    p->taken_from_image += static_cast<uint64_t>(n);
  }
  p->hasher.Update(absl::string_view(p->out_buf.data(), n));
  *buf = p->out_buf.data();
  return n;
}

struct DirMeta {
  mode_t mode = 0755;
  struct timespec times[2] = {};
  size_t depth = 0;
};

class Extractor {
 public:
  Extractor(int root_fd, const ApplyOptions& options, ApplyResult* result)
      : root_fd_(root_fd), options_(options), result_(result) {}

  absl::Status Entry(struct archive* a, struct archive_entry* e) {
    const char* raw = archive_entry_pathname(e);
    entry_ = raw ? raw : "";
    absl::Status s = DoEntry(a, e);
    if (s.ok()) return s;
    return absl::Status(
        s.code(), absl::StrCat("layer ", options_.layer_name, ": entry \"",
                               entry_, "\": ", s.message()));
  }

  // Directory modes and times go last: a read-only directory would refuse
  // its own children, and creating a child changes the parent's mtime.
  absl::Status Finish() {
    std::vector<std::pair<std::string, DirMeta>> dirs(dirs_.begin(),
                                                      dirs_.end());
    std::sort(dirs.begin(), dirs.end(), [](const auto& x, const auto& y) {
      return x.second.depth > y.second.depth;
    });
    for (const auto& [rel, meta] : dirs) {
      UniqueFd fd(
          OpenBeneath(root_fd_, rel, O_RDONLY | O_DIRECTORY | O_NOFOLLOW));
      if (!fd) {
        // Replaced by a later entry of the same layer: nothing to do.
        if (errno == ENOENT || errno == ELOOP || errno == ENOTDIR) continue;
        return Annotate(ErrnoStatus("open", rel),
                        absl::StrCat("layer ", options_.layer_name));
      }
      if (fchmod(fd.get(), meta.mode) != 0 ||
          futimens(fd.get(), meta.times) != 0) {
        return Annotate(ErrnoStatus("set mode and times of", rel),
                        absl::StrCat("layer ", options_.layer_name));
      }
    }
    return absl::OkStatus();
  }

 private:
  static absl::StatusOr<std::vector<std::string>> Split(
      absl::string_view name, absl::string_view what) {
    if (absl::StartsWith(name, "/")) {
      return absl::PermissionDeniedError(
          absl::StrCat(what, " is an absolute path; refusing it"));
    }
    std::vector<std::string> out;
    for (absl::string_view part :
         absl::StrSplit(name, '/', absl::SkipEmpty())) {
      if (part == ".") continue;
      if (part == "..") {
        return absl::PermissionDeniedError(
            absl::StrCat(what, " contains \"..\"; refusing it"));
      }
      out.emplace_back(part);
    }
    return out;
  }

  static std::string Join(const std::vector<std::string>& parts, size_t n) {
    if (n == 0) return ".";
    return absl::StrJoin(parts.begin(), parts.begin() + n, "/");
  }

  static absl::Status ResolveError(int err, const std::string& rel) {
    if (err == EXDEV) {
      return absl::PermissionDeniedError(absl::StrCat(
          "\"", rel,
          "\" reaches outside the layer through a symlink; refusing it"));
    }
    if (err == ELOOP) {
      return absl::PermissionDeniedError(absl::StrCat(
          "\"", rel,
          "\" goes through too many or magic symlinks; refusing it"));
    }
    return ErrnoToStatus(err, "open", rel);
  }

  // Opens the directory made of the first n parts, creating missing ones.
  absl::StatusOr<UniqueFd> OpenDir(const std::vector<std::string>& parts,
                                   size_t n, bool create) {
    std::string rel = Join(parts, n);
    UniqueFd fd(OpenBeneath(root_fd_, rel, O_PATH | O_DIRECTORY));
    if (fd) return fd;
    if (errno != ENOENT || !create) return ResolveError(errno, rel);
    UniqueFd cur(openat(root_fd_, ".", O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!cur) return ErrnoStatus("open", ".");
    for (size_t i = 1; i <= n; ++i) {
      std::string prefix = Join(parts, i);
      UniqueFd next(OpenBeneath(root_fd_, prefix, O_PATH | O_DIRECTORY));
      if (!next && errno == ENOENT) {
        if (mkdirat(cur.get(), parts[i - 1].c_str(), 0755) != 0 &&
            errno != EEXIST) {
          return ErrnoStatus("mkdir", prefix);
        }
        MarkPresent(prefix);
        next.Reset(OpenBeneath(root_fd_, prefix, O_PATH | O_DIRECTORY));
      }
      if (!next) return ResolveError(errno, prefix);
      cur = std::move(next);
    }
    return cur;
  }

  void MarkPresent(const std::string& rel) {
    if (options_.whiteouts == WhiteoutMode::kFlatten) present_.insert(rel);
  }

  absl::Status DoEntry(struct archive* a, struct archive_entry* e) {
    ++result_->entries;
    ASSIGN_OR_RETURN(std::vector<std::string> parts, Split(entry_, "the name"));
    if (parts.empty()) return absl::OkStatus();  // "./": the layer root.
    const std::string& base = parts.back();
    ASSIGN_OR_RETURN(UniqueFd parent, OpenDir(parts, parts.size() - 1, true));
    std::string rel = Join(parts, parts.size());

    if (absl::StartsWith(base, kWhiteoutPrefix)) {
      if (base == kOpaqueMarker) {
        return Opaque(Join(parts, parts.size() - 1));
      }
      std::string victim = base.substr(strlen(kWhiteoutPrefix));
      if (victim.empty() || victim == "." || victim == "..") {
        return absl::InvalidArgumentError("malformed whiteout name");
      }
      return Whiteout(parent.get(), victim);
    }

    // The entry's ancestors count as part of this layer for opaque handling.
    for (size_t i = 1; i <= parts.size(); ++i) MarkPresent(Join(parts, i));

    const char* hardlink = archive_entry_hardlink(e);
    mode_t type = archive_entry_filetype(e);
    struct stat st;
    bool replaces_whiteout = false;
    if (fstatat(parent.get(), base.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
      bool keep =
          S_ISDIR(st.st_mode) && type == AE_IFDIR && hardlink == nullptr;
      replaces_whiteout = S_ISCHR(st.st_mode) && st.st_rdev == 0;
      if (!keep) RETURN_IF_ERROR(RemoveAt(parent.get(), base, rel));
    } else if (errno != ENOENT) {
      return ErrnoStatus("stat", rel);
    }

    if (hardlink != nullptr) return HardLink(parent.get(), base, hardlink);

    switch (type) {
      case AE_IFDIR:
        RETURN_IF_ERROR(Directory(parent.get(), base, rel, parts.size(), e));
        // Deleted and created again in this layer: what lower layers had in
        // it stays deleted, so the new directory is opaque.
        if (replaces_whiteout && options_.whiteouts == WhiteoutMode::kOverlay) {
          return Opaque(rel);
        }
        return absl::OkStatus();
      case AE_IFREG:
        return RegularFile(a, parent.get(), base, rel, e);
      case AE_IFLNK:
        return Symlink(parent.get(), base, rel, e);
      case AE_IFCHR:
      case AE_IFBLK:
        if (!options_.create_devices) {
          ++result_->skipped_devices;
          return absl::OkStatus();
        }
        return Node(parent.get(), base, rel, e, type | archive_entry_perm(e),
                    archive_entry_rdev(e));
      case AE_IFIFO:
        return Node(parent.get(), base, rel, e, S_IFIFO | archive_entry_perm(e),
                    0);
      default:
        return absl::InvalidArgumentError(
            absl::StrCat("unsupported entry type ", type));
    }
  }

  absl::Status Whiteout(int parent_fd, const std::string& victim) {
    if (options_.whiteouts == WhiteoutMode::kFlatten) {
      return RemoveAt(parent_fd, victim, victim);
    }
    RETURN_IF_ERROR(RemoveAt(parent_fd, victim, victim));
    if (mknodat(parent_fd, victim.c_str(), S_IFCHR | 0, makedev(0, 0)) != 0) {
      return Annotate(ErrnoStatus("mknod overlay whiteout", victim),
                      "recording a whiteout needs CAP_MKNOD");
    }
    return absl::OkStatus();
  }

  absl::Status Opaque(const std::string& dir_rel) {
    UniqueFd dir(OpenBeneath(root_fd_, dir_rel, O_RDONLY | O_DIRECTORY));
    if (!dir) return ResolveError(errno, dir_rel);
    if (options_.whiteouts == WhiteoutMode::kOverlay) {
      if (fsetxattr(dir.get(), options_.opaque_xattr.c_str(), "y", 1, 0) != 0) {
        return ErrnoStatus(absl::StrCat("set ", options_.opaque_xattr, " on"),
                           dir_rel);
      }
      return absl::OkStatus();
    }
    return ClearExceptPresent(dir.get(), dir_rel);
  }

  // Empties a directory of everything lower layers put there, keeping what
  // this layer already wrote into it.
  absl::Status ClearExceptPresent(int dir_fd, const std::string& dir_rel) {
    ASSIGN_OR_RETURN(std::vector<std::string> names,
                     ListDirFd(dir_fd, dir_rel));
    for (const std::string& name : names) {
      std::string rel =
          dir_rel == "." ? name : absl::StrCat(dir_rel, "/", name);
      if (!present_.contains(rel)) {
        RETURN_IF_ERROR(RemoveAt(dir_fd, name, rel));
        continue;
      }
      UniqueFd child(openat(dir_fd, name.c_str(),
                            O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (child) RETURN_IF_ERROR(ClearExceptPresent(child.get(), rel));
    }
    return absl::OkStatus();
  }

  absl::Status HardLink(int parent_fd, const std::string& base,
                        const char* target) {
    ASSIGN_OR_RETURN(std::vector<std::string> tparts,
                     Split(target, "the hard link target"));
    if (tparts.empty()) {
      return absl::InvalidArgumentError("hard link to the layer root");
    }
    ASSIGN_OR_RETURN(UniqueFd tparent, OpenDir(tparts, tparts.size() - 1,
                                               /*create=*/false));
    if (linkat(tparent.get(), tparts.back().c_str(), parent_fd, base.c_str(),
               0) != 0) {
      return ErrnoStatus("hard link to", target);
    }
    return absl::OkStatus();
  }

  absl::Status Directory(int parent_fd, const std::string& base,
                         const std::string& rel, size_t depth,
                         struct archive_entry* e) {
    if (mkdirat(parent_fd, base.c_str(), 0700) != 0 && errno != EEXIST) {
      return ErrnoStatus("mkdir", rel);
    }
    UniqueFd fd(openat(parent_fd, base.c_str(),
                       O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd) return ErrnoStatus("open", rel);
    RETURN_IF_ERROR(Owner(fd.get(), "", AT_EMPTY_PATH, rel, e));
    RETURN_IF_ERROR(Xattrs(fd.get(), rel, e));
    DirMeta meta;
    meta.mode = archive_entry_perm(e);
    Times(e, meta.times);
    meta.depth = depth;
    dirs_[rel] = meta;
    return absl::OkStatus();
  }

  absl::Status RegularFile(struct archive* a, int parent_fd,
                           const std::string& base, const std::string& rel,
                           struct archive_entry* e) {
    UniqueFd fd(openat(parent_fd, base.c_str(),
                       O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                       0600));
    if (!fd) return ErrnoStatus("create", rel);
    int64_t end = 0;
    while (true) {
      const void* buf;
      size_t size;
      la_int64_t offset;
      int r = archive_read_data_block(a, &buf, &size, &offset);
      if (r == ARCHIVE_EOF) break;
      if (r < ARCHIVE_WARN) return ArchiveError(a);
      const char* p = static_cast<const char*>(buf);
      while (size > 0) {
        ssize_t n = pwrite(fd.get(), p, size, offset);
        if (n < 0) {
          if (errno == EINTR) continue;
          return ErrnoStatus("write", rel);
        }
        p += n;
        size -= static_cast<size_t>(n);
        offset += n;
      }
      end = std::max<int64_t>(end, offset);
    }
    // A sparse file may end in a hole.
    if (archive_entry_size_is_set(e) && archive_entry_size(e) > end &&
        ftruncate(fd.get(), archive_entry_size(e)) != 0) {
      return ErrnoStatus("truncate", rel);
    }
    RETURN_IF_ERROR(Owner(fd.get(), "", AT_EMPTY_PATH, rel, e));
    // After chown, which clears set-user-ID and set-group-ID bits.
    if (fchmod(fd.get(), archive_entry_perm(e)) != 0) {
      return ErrnoStatus("chmod", rel);
    }
    RETURN_IF_ERROR(Xattrs(fd.get(), rel, e));
    struct timespec times[2];
    Times(e, times);
    if (futimens(fd.get(), times) != 0) return ErrnoStatus("set times of", rel);
    return absl::OkStatus();
  }

  absl::Status Symlink(int parent_fd, const std::string& base,
                       const std::string& rel, struct archive_entry* e) {
    // Any target is fine: nothing here ever follows a symlink out.
    const char* target = archive_entry_symlink(e);
    if (target == nullptr)
      return absl::InvalidArgumentError("symlink without target");
    if (symlinkat(target, parent_fd, base.c_str()) != 0) {
      return ErrnoStatus("symlink", rel);
    }
    RETURN_IF_ERROR(
        Owner(parent_fd, base.c_str(), AT_SYMLINK_NOFOLLOW, rel, e));
    struct timespec times[2];
    Times(e, times);
    if (utimensat(parent_fd, base.c_str(), times, AT_SYMLINK_NOFOLLOW) != 0) {
      return ErrnoStatus("set times of", rel);
    }
    return absl::OkStatus();
  }

  absl::Status Node(int parent_fd, const std::string& base,
                    const std::string& rel, struct archive_entry* e,
                    mode_t mode, dev_t dev) {
    if (mknodat(parent_fd, base.c_str(), mode, dev) != 0) {
      return ErrnoStatus("mknod", rel);
    }
    RETURN_IF_ERROR(
        Owner(parent_fd, base.c_str(), AT_SYMLINK_NOFOLLOW, rel, e));
    if (fchmodat(parent_fd, base.c_str(), archive_entry_perm(e), 0) != 0) {
      return ErrnoStatus("chmod", rel);
    }
    struct timespec times[2];
    Times(e, times);
    if (utimensat(parent_fd, base.c_str(), times, AT_SYMLINK_NOFOLLOW) != 0) {
      return ErrnoStatus("set times of", rel);
    }
    return absl::OkStatus();
  }

  absl::Status Owner(int fd, const char* name, int flags,
                     const std::string& rel, struct archive_entry* e) {
    if (!options_.apply_owners) return absl::OkStatus();
    if (fchownat(fd, name, static_cast<uid_t>(archive_entry_uid(e)),
                 static_cast<gid_t>(archive_entry_gid(e)), flags) != 0) {
      // EINVAL: the owner is not mapped in this user namespace.
      int err = errno;
      if (err == EINVAL && !HaveRealRoot()) return absl::OkStatus();
      return ErrnoToStatus(err, "chown", rel);
    }
    return absl::OkStatus();
  }

  absl::Status Xattrs(int fd, const std::string& rel, struct archive_entry* e) {
    if (archive_entry_xattr_reset(e) == 0) return absl::OkStatus();
    const char* name;
    const void* value;
    size_t size;
    while (archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK) {
      // overlayfs reads these as its own metadata; a layer may not forge them.
      if (absl::StartsWith(name, "trusted.overlay.") ||
          absl::StartsWith(name, "user.overlay.")) {
        continue;
      }
      if (fsetxattr(fd, name, value, size, 0) != 0) {
        if (errno == ENOTSUP) continue;
        if (errno == EPERM && !options_.apply_owners) continue;
        return ErrnoStatus(absl::StrCat("set xattr ", name, " on"), rel);
      }
    }
    return absl::OkStatus();
  }

  static void Times(struct archive_entry* e, struct timespec times[2]) {
    times[1].tv_sec = archive_entry_mtime(e);
    times[1].tv_nsec = archive_entry_mtime_nsec(e);
    if (archive_entry_atime_is_set(e)) {
      times[0].tv_sec = archive_entry_atime(e);
      times[0].tv_nsec = archive_entry_atime_nsec(e);
    } else {
      times[0] = times[1];
    }
  }

  absl::Status ArchiveError(struct archive* a) {
    const char* msg = archive_error_string(a);
    return absl::DataLossError(
        absl::StrCat("reading tar: ", msg ? msg : "unknown error"));
  }

  int root_fd_;
  const ApplyOptions& options_;
  ApplyResult* result_;
  std::string entry_;
  absl::flat_hash_map<std::string, DirMeta> dirs_;
  absl::flat_hash_set<std::string> present_;
};

struct ArchiveDeleter {
  void operator()(struct archive* a) const { archive_read_free(a); }
};
using ArchivePtr = std::unique_ptr<struct archive, ArchiveDeleter>;

absl::Status Run(Pipeline& p, int root_fd, ApplyResult* result) {
  const ApplyOptions& options = *p.options;
  auto archive_error = [&](struct archive* a, absl::string_view what) {
    if (!p.error.ok()) return p.error;
    const char* msg = archive_error_string(a);
    return absl::DataLossError(absl::StrCat("layer ", options.layer_name, ": ",
                                            what, ": ",
                                            msg ? msg : "unknown error"));
  };

  ArchivePtr dec(archive_read_new());
  ArchivePtr tar(archive_read_new());
  if (!dec || !tar) return absl::ResourceExhaustedError("archive_read_new");
  p.decompressor = dec.get();
  archive_read_support_filter_gzip(dec.get());
  archive_read_support_filter_zstd(dec.get());
  archive_read_support_filter_none(dec.get());
  archive_read_support_format_raw(dec.get());
  if (archive_read_open2(dec.get(), &p, nullptr, ReadCompressed, nullptr,
                         nullptr) != ARCHIVE_OK) {
    return archive_error(dec.get(), "opening the compressed stream");
  }
  struct archive_entry* raw_entry;
  if (archive_read_next_header(dec.get(), &raw_entry) != ARCHIVE_OK) {
    return archive_error(dec.get(), "detecting the compression");
  }

  archive_read_support_filter_none(tar.get());
  archive_read_support_format_tar(tar.get());
  if (archive_read_open2(tar.get(), &p, nullptr, ReadDecompressed, nullptr,
                         nullptr) != ARCHIVE_OK) {
    return archive_error(tar.get(), "reading the tar stream");
  }
  Extractor extractor(root_fd, options, result);
  while (true) {
    struct archive_entry* entry;
    int r = archive_read_next_header(tar.get(), &entry);
    if (r == ARCHIVE_EOF) break;
    if (r < ARCHIVE_WARN)
      return archive_error(tar.get(), "reading the tar stream");
    absl::Status s = extractor.Entry(tar.get(), entry);
    if (!p.error.ok()) return p.error;
    RETURN_IF_ERROR(s);
  }
  RETURN_IF_ERROR(extractor.Finish());
  // The DiffID covers the whole stream, padding after the end-of-archive
  // blocks included.
  const void* buf;
  while (true) {
    la_ssize_t n = ReadDecompressed(tar.get(), &p, &buf);
    if (n < 0) return archive_error(tar.get(), "reading past the tar end");
    if (n == 0) break;
  }
  result->uncompressed_bytes = p.total;
  result->diff_id = p.hasher.Finish().ToString();
  return absl::OkStatus();
}

}  // namespace

absl::Status ImageUnpackBudget::Take(uint64_t n, absl::string_view layer) {
  uint64_t used = used_.load();
  do {
    if (n > limit_ || used > limit_ - n) {
      return absl::ResourceExhaustedError(
          absl::StrCat(layer, ": image ", image_,
                       ": its layers decompress to more than ", limit_,
                       " bytes together (the configured limit per image); "
                       "refusing it"));
    }
  } while (!used_.compare_exchange_weak(used, used + n));
  return absl::OkStatus();
}

void ImageUnpackBudget::Release(uint64_t n) { used_.fetch_sub(n); }

absl::StatusOr<ApplyResult> ApplyLayer(const LayerReader& reader,
                                       const std::string& target_dir,
                                       const ApplyOptions& options) {
  bool created = false;
  if (mkdir(target_dir.c_str(), 0755) == 0) {
    created = true;
  } else if (errno != EEXIST) {
    return Annotate(ErrnoStatus("mkdir", target_dir),
                    absl::StrCat("layer ", options.layer_name));
  }
  UniqueFd root(open(target_dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root) {
    return Annotate(ErrnoStatus("open", target_dir),
                    absl::StrCat("layer ", options.layer_name));
  }
  Pipeline p;
  p.reader = &reader;
  p.options = &options;
  ApplyResult result;
  absl::Status s = Run(p, root.get(), &result);
  if (!s.ok()) {
    if (created) {
      RemoveTree(target_dir).IgnoreError();
      // Off the disk again, so no longer the image's: a layer unpacked a
      // second time (a download that restarted) is not counted twice.
      if (options.image_budget != nullptr) {
        options.image_budget->Release(p.taken_from_image);
      }
    }
    return s;
  }
  return result;
}

absl::StatusOr<ApplyResult> ApplyLayerFromFd(int fd,
                                             const std::string& target_dir,
                                             const ApplyOptions& options) {
  LayerReader reader = [fd, &options](char* buf,
                                      size_t len) -> absl::StatusOr<size_t> {
    while (true) {
      ssize_t n = read(fd, buf, len);
      if (n >= 0) return static_cast<size_t>(n);
      if (errno != EINTR) {
        return Annotate(ErrnoStatus("read"),
                        absl::StrCat("layer ", options.layer_name));
      }
    }
  };
  return ApplyLayer(reader, target_dir, options);
}

absl::StatusOr<ApplyResult> ApplyLayerFromFile(const std::string& path,
                                               const std::string& target_dir,
                                               const ApplyOptions& options) {
  UniqueFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) {
    return Annotate(ErrnoStatus("open", path),
                    absl::StrCat("layer ", options.layer_name));
  }
  return ApplyLayerFromFd(fd.get(), target_dir, options);
}

}  // namespace crate::registry
