// Writes an image archive: a plain tar (pax headers only where ustar cannot
// hold a name or size), made under a temporary name in the destination's
// directory and renamed over it only once it is complete and on disk. A
// reader of the destination sees the old file or the whole new archive,
// never a part of one; a writer dropped before Commit leaves nothing.
//
// Entries are owned by 0:0 with mode 0644 (directories 0755) and mtime 0,
// so the same content always makes the same archive.
#ifndef CRATE_REGISTRY_ARCHIVE_TAR_WRITER_H_
#define CRATE_REGISTRY_ARCHIVE_TAR_WRITER_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "runtime/base/unique_fd.h"

struct archive;

namespace crate::registry {

class TarWriter {
 public:
  // Creates the temporary file beside `path` (its directory must exist).
  static absl::StatusOr<std::unique_ptr<TarWriter>> Create(
      const std::string& path);
  // Removes the temporary file unless Commit succeeded.
  ~TarWriter();
  TarWriter(const TarWriter&) = delete;
  TarWriter& operator=(const TarWriter&) = delete;

  absl::Status AddDirectory(absl::string_view name);
  absl::Status AddFile(absl::string_view name, absl::string_view data);

  // Reads up to `len` bytes into `buf`; 0 at the end.
  using Reader = std::function<absl::StatusOr<size_t>(char* buf, size_t len)>;
  // A file of exactly `size` bytes taken from `reader`: a reader that ends
  // early is an error (kDataLoss); bytes past `size` are not read.
  absl::Status AddFileFrom(absl::string_view name, uint64_t size,
                           const Reader& reader);

  // Ends the tar, fsyncs it, renames it to the destination and fsyncs the
  // directory. After an error in any Add, Commit fails and writes nothing.
  absl::Status Commit();

  const std::string& path() const { return path_; }

 private:
  TarWriter(std::string path, std::string tmp, UniqueFd fd, struct archive* a);
  absl::Status Header(absl::string_view name, bool dir, uint64_t size);
  absl::Status Fail(absl::Status s);

  std::string path_;
  std::string tmp_;
  UniqueFd fd_;
  struct archive* archive_ = nullptr;
  absl::Status error_;
  bool committed_ = false;
};

}  // namespace crate::registry

#endif  // CRATE_REGISTRY_ARCHIVE_TAR_WRITER_H_
