// Docker's copy-up: on a volume's first use, what the image holds at the
// mount point is copied into the volume, so that a new volume mounted on
// /var/lib/db starts with the image's files there instead of hiding them.
//
// The image's tree is read through file descriptors: the mount point is
// resolved with openat2(RESOLVE_IN_ROOT), so an image's symlink that points
// at /etc means the image's /etc, never the host's, and below it nothing
// is followed (symlinks are copied as symlinks). The volume is written the
// same way (O_NOFOLLOW, O_EXCL), so a container already holding the empty
// volume cannot redirect a write.
#ifndef CRATE_API_ENGINE_VOLUME_COPY_H_
#define CRATE_API_ENGINE_VOLUME_COPY_H_

#include <string>

#include "absl/status/statusor.h"

namespace crate::engine {

struct CopyUpResult {
  bool copied = false;  // false: the volume was not empty, or no source
  uint64_t files = 0;   // entries made in the volume
};

// Copies the directory `path` (absolute, in the container) of the root
// file system at `rootfs` into the volume's data directory `data_fd`
// (`data_path` names it in messages), keeping owners, modes, times,
// extended attributes, symlinks, device nodes and hard links within the
// copy; the volume's directory itself takes the source directory's owner
// and mode, as with docker. Nothing is done when the volume holds anything
// or the image has no directory at `path`. Sockets are skipped, and so is
// anything on another file system than the source directory.
absl::StatusOr<CopyUpResult> CopyUp(const std::string& rootfs,
                                    const std::string& path, int data_fd,
                                    const std::string& data_path);

}  // namespace crate::engine

#endif  // CRATE_API_ENGINE_VOLUME_COPY_H_
