#include "registry/archive/decompress.h"

#include <archive.h>
#include <archive_entry.h>

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "runtime/base/status_macros.h"

namespace crate::registry {
namespace {

constexpr size_t kBlockSize = 1 << 20;

std::string ArchiveMessage(struct archive* a) {
  const char* msg = archive_error_string(a);
  return msg != nullptr ? msg : "unknown error";
}

}  // namespace

absl::StatusOr<std::unique_ptr<LayerDecompressor>> LayerDecompressor::Open(
    UniqueFd fd, std::string what, uint64_t max_bytes) {
  std::unique_ptr<LayerDecompressor> d(
      new LayerDecompressor(std::move(fd), std::move(what), max_bytes));
  d->archive_ = archive_read_new();
  if (d->archive_ == nullptr) {
    return absl::ResourceExhaustedError("archive_read_new");
  }
  archive_read_support_filter_none(d->archive_);
  archive_read_support_filter_gzip(d->archive_);
  archive_read_support_filter_zstd(d->archive_);
  archive_read_support_format_raw(d->archive_);
  struct archive_entry* entry;
  if (archive_read_open_fd(d->archive_, d->fd_.get(), kBlockSize) !=
          ARCHIVE_OK ||
      archive_read_next_header(d->archive_, &entry) != ARCHIVE_OK) {
    return absl::DataLossError(absl::StrCat(
        d->what_, ": decompressing: ", ArchiveMessage(d->archive_)));
  }
  return d;
}

LayerDecompressor::~LayerDecompressor() {
  if (archive_ != nullptr) archive_read_free(archive_);
}

absl::StatusOr<size_t> LayerDecompressor::Read(char* buf, size_t len) {
  la_ssize_t n = archive_read_data(archive_, buf, len);
  if (n < 0) {
    return absl::DataLossError(
        absl::StrCat(what_, ": decompressing: ", ArchiveMessage(archive_)));
  }
  total_ += static_cast<uint64_t>(n);
  if (total_ > max_bytes_) {
    return absl::ResourceExhaustedError(
        absl::StrCat(what_, ": decompresses to more than ", max_bytes_,
                     " bytes (the configured limit per layer)"));
  }
  return static_cast<size_t>(n);
}

absl::StatusOr<UncompressedSize> MeasureUncompressed(UniqueFd fd,
                                                     const std::string& what,
                                                     uint64_t max_bytes) {
  ASSIGN_OR_RETURN(std::unique_ptr<LayerDecompressor> d,
                   LayerDecompressor::Open(std::move(fd), what, max_bytes));
  Digester digester = Digester::Sha256();
  std::vector<char> buf(kBlockSize);
  while (true) {
    ASSIGN_OR_RETURN(size_t n, d->Read(buf.data(), buf.size()));
    if (n == 0) break;
    digester.Update(buf.data(), n);
  }
  UncompressedSize out;
  out.size = d->bytes();
  out.digest = digester.Finish();
  return out;
}

}  // namespace crate::registry
