// Applies an image layer (a tar stream, plain, gzip or zstd) to a directory.
//
// Two ways to treat whiteouts: kOverlay keeps them as overlayfs whiteouts so
// that the directory can serve as one lower layer of an overlay mount (what
// containerd's overlay snapshotter stores); kFlatten really deletes from the
// tree below, for the plain-copy fallback and for comparing with other tools.
//
// Nothing is ever written outside the target: entries with "..", absolute
// names, and entries or hard links reaching through a symlink that leaves the
// target are refused, with an error naming the layer and the entry.
#ifndef CRATE_REGISTRY_UNPACK_LAYER_H_
#define CRATE_REGISTRY_UNPACK_LAYER_H_

#include <sys/types.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "registry/unpack/fs_walk.h"

namespace crate::registry {

enum class WhiteoutMode {
  kOverlay,  // `.wh.x` -> 0/0 char device x; `.wh..wh..opq` -> opaque xattr.
  kFlatten,  // `.wh.x` deletes x; `.wh..wh..opq` empties the directory.
};

// Decompression bombs: a few KiB of gzip or zstd can inflate to terabytes,
// in tar headers or inside one regular file. Both bounds count the
// decompressed tar stream and are checked before the tar parser sees a byte
// of it, so nothing past a bound is ever written.
//
// Per layer: far above real layers (large base and ML images ship layers of
// a few GiB), far below a disk.
inline constexpr uint64_t kDefaultMaxLayerBytes = uint64_t{32} << 30;
// Per image, all its layers together: twice the layer bound. An image may
// still hold one layer at the layer bound and as much again in the others,
// while the way around a per-layer bound (many layers, each just under it)
// stops at two such layers' worth instead of the number of layers times
// 32 GiB. Large CUDA and ML images unpack to a few tens of GiB, under it.
inline constexpr uint64_t kDefaultMaxImageBytes = uint64_t{64} << 30;

// The decompressed bytes the layers of one image may add up to. One budget is
// shared by the ApplyLayer calls for the layers of one image, which may run
// in parallel threads. Layers not unpacked by those calls (a snapshot shared
// with an image pulled before) cost nothing: the bound is on what this image
// writes to disk.
class ImageUnpackBudget {
 public:
  // `image` names the image in errors ("docker.io/library/alpine:3.19").
  explicit ImageUnpackBudget(std::string image,
                             uint64_t limit = kDefaultMaxImageBytes)
      : image_(std::move(image)), limit_(limit) {}
  ImageUnpackBudget(const ImageUnpackBudget&) = delete;
  ImageUnpackBudget& operator=(const ImageUnpackBudget&) = delete;

  // Counts `n` more bytes of layer `layer`. If the image's total would pass
  // the limit, counts nothing and returns kResourceExhausted naming the
  // layer, the image and the limit.
  absl::Status Take(uint64_t n, absl::string_view layer);
  // Gives back bytes whose layer failed and was removed from the disk.
  void Release(uint64_t n);

  const std::string& image() const { return image_; }
  uint64_t limit() const { return limit_; }
  uint64_t used() const { return used_.load(); }

 private:
  const std::string image_;
  const uint64_t limit_;
  std::atomic<uint64_t> used_{0};
};

struct ApplyOptions {
  // Shown in errors: usually the layer's digest.
  std::string layer_name = "layer";
  WhiteoutMode whiteouts = WhiteoutMode::kOverlay;
  // Refuse a layer whose decompressed tar stream is larger than this.
  uint64_t max_uncompressed_bytes = kDefaultMaxLayerBytes;
  // The budget of the image this layer belongs to, so that the sum over its
  // layers is bounded too; null: only the per-layer bound applies. Not
  // owned: it outlives the call and is shared with the image's other layers.
  ImageUnpackBudget* image_budget = nullptr;
  // Owners from the tar are applied (lchown) when running as root, also as
  // root of a user namespace, where an owner outside its ID mapping is left
  // to the caller (as podman's ignore_chown_errors does).
  bool apply_owners = ::geteuid() == 0;
  // Block and character devices need CAP_MKNOD in the initial user
  // namespace; without it they are skipped.
  bool create_devices = HaveRealRoot();
  // Where opaque directories are marked. Rootless, overlayfs is mounted with
  // `userxattr` in a user namespace and reads user.overlay.* instead.
  // (Whiteout devices need no privilege since Linux 5.8.)
  std::string opaque_xattr =
      HaveRealRoot() ? "trusted.overlay.opaque" : "user.overlay.opaque";
};

struct ApplyResult {
  // sha256 of the decompressed tar stream, "sha256:<hex>": the layer's
  // DiffID, to be checked against the image config's rootfs.diff_ids.
  std::string diff_id;
  uint64_t uncompressed_bytes = 0;  // counted against both bounds
  uint64_t entries = 0;
  uint64_t skipped_devices = 0;
};

// Reads up to `len` bytes of the (compressed) layer into `buf`. Returns 0 at
// the end of the stream.
using LayerReader =
    std::function<absl::StatusOr<size_t>(char* buf, size_t len)>;

// Applies the layer read from `reader` to `target_dir`. The directory is
// created if missing; if it was created here and applying fails, it is
// removed again. In kFlatten mode over an existing tree, a failure leaves the
// tree partly changed: callers that need all-or-nothing apply to a copy.
absl::StatusOr<ApplyResult> ApplyLayer(const LayerReader& reader,
                                       const std::string& target_dir,
                                       const ApplyOptions& options);

// Same, reading from a file descriptor (not closed) or a file.
absl::StatusOr<ApplyResult> ApplyLayerFromFd(int fd,
                                             const std::string& target_dir,
                                             const ApplyOptions& options);
absl::StatusOr<ApplyResult> ApplyLayerFromFile(const std::string& path,
                                               const std::string& target_dir,
                                               const ApplyOptions& options);

}  // namespace crate::registry

#endif  // CRATE_REGISTRY_UNPACK_LAYER_H_
