// Unpacked layers shared by every image and container that uses them.
//
//   <root>/snapshots/<chain-id hex>/fs   one layer's diff, overlay format
//   <root>/snapshots/.tmp-*              being unpacked; never used
//   <root>/locks/<chain-id hex>.lock     serialises unpacks of one layer
//   <root>/containers/<id>/{upper,work,rootfs}
//
// A snapshot appears under its final name only once it is complete (rename),
// so a crash mid-unpack leaves a temporary directory and nothing that counts.
#ifndef CRATE_REGISTRY_UNPACK_SNAPSHOT_H_
#define CRATE_REGISTRY_UNPACK_SNAPSHOT_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace crate::registry {

// What an overlay mount of a container's root file system needs.
struct OverlayMount {
  std::vector<std::string> lower_dirs;  // Top-most layer first.
  std::string upper_dir;
  std::string work_dir;
  std::string target;  // Where the merged tree goes.
  // Rootless: overlayfs in a user namespace reads user.overlay.* xattrs.
  bool userxattr = false;

  // "lowerdir=a:b,upperdir=u,workdir=w[,userxattr]".
  std::string Options() const;
};

// Mounts and unmounts the overlay. Real kernels use SyscallMounter; a test
// can record the calls instead.
class Mounter {
 public:
  virtual ~Mounter() = default;
  virtual absl::Status Mount(const OverlayMount& mount) = 0;
  virtual absl::Status Unmount(const std::string& target) = 0;
};

class SyscallMounter : public Mounter {
 public:
  absl::Status Mount(const OverlayMount& mount) override;
  // Lazy detach (MNT_DETACH) so a busy mount point does not stay behind.
  absl::Status Unmount(const std::string& target) override;
};

// Whether overlayfs is listed in /proc/filesystems.
bool OverlaySupported();

class SnapshotStore {
 public:
  // Creates the directories under `root` if needed.
  static absl::StatusOr<std::unique_ptr<SnapshotStore>> Open(
      const std::string& root);

  // Fills a fresh, empty directory with the layer's content.
  using Unpacker = std::function<absl::Status(const std::string& fs_dir)>;

  // Returns the fs directory of the snapshot for `chain_id`
  // ("sha256:<hex>"), running `unpack` first if it does not exist yet. Two
  // callers (threads or processes) asking for the same chain ID unpack once:
  // the second waits and then finds the snapshot. A failed unpack leaves
  // nothing behind.
  absl::StatusOr<std::string> Ensure(const std::string& chain_id,
                                     const Unpacker& unpack);

  bool Exists(const std::string& chain_id) const;
  absl::StatusOr<std::string> FsDir(const std::string& chain_id) const;
  // Chain IDs of complete snapshots.
  absl::StatusOr<std::vector<std::string>> List() const;
  // Removes a snapshot; the caller makes sure no container uses it.
  absl::Status Remove(const std::string& chain_id);
  // Removes temporary directories of unpacks that died.
  absl::Status CleanupTemporary();

  // Creates the container's upper and work directories and returns the
  // overlay of the snapshots `chain_ids` (bottom-most layer first) with
  // target <root>/containers/<id>/rootfs.
  absl::StatusOr<OverlayMount> Prepare(
      const std::string& container_id,
      const std::vector<std::string>& chain_ids);

  // Where overlayfs is unavailable: copies the snapshots, bottom first, into
  // <root>/containers/<id>/rootfs, applying their whiteouts. Returns the
  // rootfs path.
  absl::StatusOr<std::string> PrepareCopy(
      const std::string& container_id,
      const std::vector<std::string>& chain_ids);

  // Removes the container's directories (unmounted by the caller).
  absl::Status Release(const std::string& container_id);

  const std::string& root() const { return root_; }

 private:
  explicit SnapshotStore(std::string root) : root_(std::move(root)) {}
  absl::StatusOr<std::string> ContainerDir(const std::string& id) const;

  std::string root_;
};

}  // namespace crate::registry

#endif  // CRATE_REGISTRY_UNPACK_SNAPSHOT_H_
