// Directory-fd based tree operations that never follow a symlink, for trees
// whose content came from an untrusted layer.
#ifndef CRATE_REGISTRY_UNPACK_FS_WALK_H_
#define CRATE_REGISTRY_UNPACK_FS_WALK_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace crate::registry {

// Root in the initial user namespace (not root of a user namespace).
bool HaveRealRoot();

// openat2(root_fd, rel, flags) with RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS:
// fails with EXDEV when `rel` would leave `root_fd` (by "..", an absolute
// name or a symlink). Where the kernel lacks openat2, walks the path one
// component at a time with O_NOFOLLOW and refuses every symlink (EXDEV).
// Returns the fd or -1 with errno set.
int OpenBeneath(int root_fd, const std::string& rel, int flags);

// Removes `name` in `dir_fd`, recursively if it is a directory; a missing
// entry is fine. `display` names it in errors.
absl::Status RemoveAt(int dir_fd, const std::string& name,
                      const std::string& display);

// Names in an open directory, without "." and "..".
absl::StatusOr<std::vector<std::string>> ListDirFd(int dir_fd,
                                                   const std::string& display);

// Copies the tree at `src_dir` over the tree at `dst_dir`, reading overlayfs
// whiteouts in the source (a 0/0 character device deletes the destination
// entry; a directory with {trusted,user}.overlay.opaque=y replaces the
// destination directory instead of merging into it). Keeps owners (as root),
// modes, xattrs, times, hard links within the source, symlinks and devices.
absl::Status CopyLayerOver(const std::string& src_dir,
                           const std::string& dst_dir);

}  // namespace crate::registry

#endif  // CRATE_REGISTRY_UNPACK_FS_WALK_H_
