// What an image archive (a tar, plain or compressed, as `docker save` and
// `skopeo copy ... oci-archive:` write them) holds, read without unpacking
// it anywhere: the names, sizes and first bytes of its files, its links, and
// the content of its small JSON documents. The blobs themselves are read
// later, in a second pass over the same file (Stream), straight into
// whatever verifies them.
//
// Nothing named by the archive is ever created on disk, so a hostile name
// cannot write anywhere; names are still checked, since a legitimate
// archive never has them: absolute names, ".." components, links whose
// target leaves the archive, devices and duplicate files refuse the whole
// archive. Errors name the archive and the entry:
//   archive /tmp/x.tar: entry "../x": contains ".."; refusing it
#ifndef CRATE_REGISTRY_ARCHIVE_TAR_CATALOG_H_
#define CRATE_REGISTRY_ARCHIVE_TAR_CATALOG_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/optional.h"

namespace crate::registry {

class TarScanner;

// What an archive's files may add up to by default: for a compressed
// archive, the tar inside it. Four images at the unpack bound per image.
inline constexpr uint64_t kDefaultMaxArchiveBytes = uint64_t{256} << 30;

struct TarFile {
  uint64_t size = 0;
  // Up to the first 16 bytes: enough for a compression magic number.
  std::string head;
  // The whole content, for a file that looks like a JSON document (its
  // first byte past white space is '{' or '[') and is small enough.
  absl::optional<std::string> json;
};

struct TarScanOptions {
  // What the archive's file sizes may add up to: for a compressed archive,
  // the tar inside it, which a bomb could make as large as it likes.
  uint64_t max_total_bytes = kDefaultMaxArchiveBytes;
  size_t max_entries = 1 << 16;
  // JSON documents larger than this are not kept (manifests and configs are
  // bounded far lower); all kept ones together may not pass the total.
  size_t max_json_size = 8 << 20;
  size_t max_json_total = 64 << 20;
};

class TarCatalog {
 public:
  // Reads the archive open at `fd` from its first byte to its end: every
  // header, and the data of the files it keeps (the rest is skipped, with
  // seeks where the file allows them). `archive` names it in errors. A
  // truncated or malformed tar is kDataLoss; unsafe names are
  // kPermissionDenied; passing a bound is kResourceExhausted.
  static absl::StatusOr<TarCatalog> Scan(int fd, std::string archive,
                                         const TarScanOptions& options = {});

  // The regular file `name` stands for, following symlinks (also in the
  // middle of a name) and hard links inside the archive: its name as a file
  // entry. kNotFound when there is none; kPermissionDenied for a link that
  // leads out of the archive; kInvalidArgument for a directory or a loop.
  // Errors name the entry but not the archive, which callers' context
  // names already.
  absl::StatusOr<std::string> Resolve(absl::string_view name) const;

  // The file under a name Resolve returned.
  const TarFile& file(const std::string& resolved) const {
    return files_.at(resolved);
  }

  // The JSON document `name` (resolved) holds, at most `max_size` bytes:
  // kNotFound, kResourceExhausted when larger, kInvalidArgument when it
  // does not look like JSON.
  absl::StatusOr<absl::string_view> Json(absl::string_view name,
                                         size_t max_size) const;

  // Reads up to `len` bytes of the current file; 0 at its end.
  using EntryReader =
      std::function<absl::StatusOr<size_t>(char* buf, size_t len)>;
  // Called for one file in the second pass. It may leave data unread.
  using EntryFn = std::function<absl::Status(
      const std::string& name, const TarFile& file, const EntryReader& read)>;

  // Reads the archive open at `fd` again from its first byte and calls `fn`
  // for each file named in `names` (resolved names), in archive order, once
  // each. kDataLoss if one of them is not met again (the file changed).
  absl::Status Stream(int fd, const absl::flat_hash_set<std::string>& names,
                      const EntryFn& fn) const;

  const std::string& archive() const { return archive_; }
  size_t file_count() const { return files_.size(); }

 private:
  friend class TarScanner;
  explicit TarCatalog(std::string archive) : archive_(std::move(archive)) {}

  std::string archive_;
  absl::flat_hash_map<std::string, TarFile> files_;
  // Link name -> target: symlinks as written, hard links as names.
  absl::flat_hash_map<std::string, std::string> symlinks_;
  absl::flat_hash_map<std::string, std::string> hardlinks_;
  absl::flat_hash_set<std::string> dirs_;
};

// The path inside an archive `name` means: no leading "./" or "/", no "."
// components, no doubled or trailing slashes. kPermissionDenied for an
// absolute name or one with "..".
absl::StatusOr<std::string> CleanArchivePath(absl::string_view name);

}  // namespace crate::registry

#endif  // CRATE_REGISTRY_ARCHIVE_TAR_CATALOG_H_
