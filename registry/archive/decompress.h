// The uncompressed bytes of a stored layer blob (plain tar, gzip or zstd,
// detected), for writing it into a docker-archive, whose layers are
// uncompressed tars named by their DiffID.
#ifndef CRATE_REGISTRY_ARCHIVE_DECOMPRESS_H_
#define CRATE_REGISTRY_ARCHIVE_DECOMPRESS_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "registry/reference/digest.h"
#include "runtime/base/unique_fd.h"

struct archive;

namespace crate::registry {

class LayerDecompressor {
 public:
  // Reads `fd` (from its current offset) through the decompressor its first
  // bytes call for. Past `max_bytes` of output, Read fails
  // (kResourceExhausted). `what` names the blob in errors.
  static absl::StatusOr<std::unique_ptr<LayerDecompressor>> Open(
      UniqueFd fd, std::string what, uint64_t max_bytes);
  ~LayerDecompressor();
  LayerDecompressor(const LayerDecompressor&) = delete;
  LayerDecompressor& operator=(const LayerDecompressor&) = delete;

  // Up to `len` bytes; 0 at the end.
  absl::StatusOr<size_t> Read(char* buf, size_t len);
  uint64_t bytes() const { return total_; }

 private:
  LayerDecompressor(UniqueFd fd, std::string what, uint64_t max_bytes)
      : fd_(std::move(fd)), what_(std::move(what)), max_bytes_(max_bytes) {}

  UniqueFd fd_;
  std::string what_;
  uint64_t max_bytes_;
  struct archive* archive_ = nullptr;
  uint64_t total_ = 0;
};

struct UncompressedSize {
  uint64_t size = 0;
  Digest digest;  // sha256: the DiffID
};

// Decompresses the whole blob once to learn what it uncompresses to.
absl::StatusOr<UncompressedSize> MeasureUncompressed(UniqueFd fd,
                                                     const std::string& what,
                                                     uint64_t max_bytes);

}  // namespace crate::registry

#endif  // CRATE_REGISTRY_ARCHIVE_DECOMPRESS_H_
