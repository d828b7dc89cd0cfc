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

#include <cstdint>
#include <functional>
#include <string>
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

struct ApplyOptions {
  // Shown in errors: usually the layer's digest.
  std::string layer_name = "layer";
  WhiteoutMode whiteouts = WhiteoutMode::kOverlay;
  // Refuse a layer whose decompressed tar stream is larger than this.
  uint64_t max_uncompressed_bytes = uint64_t{32} << 30;
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
  uint64_t uncompressed_bytes = 0;
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
