// The system calls that build a container's file system, behind an
// interface: the real one for the init, a recording fake for unit tests
// that checks the order of mounts and injects failures (youki's approach).
// Reads (stat, readlink) and directory creation stay real: tests run them
// in a temporary directory.
#ifndef CRATE_RUNTIME_LINUX_KERNEL_H_
#define CRATE_RUNTIME_LINUX_KERNEL_H_

#include <linux/mount.h>
#include <sys/types.h>

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "runtime/base/unique_fd.h"
#include "runtime/oci/spec.h"

namespace crate::linux {

// Each returns 0 or -1 with errno set, like the system call.
class Kernel {
 public:
  virtual ~Kernel() = default;
  virtual int Mount(const char* source, const char* target, const char* fstype,
                    unsigned long flags, const void* data) = 0;
  virtual int Umount2(const char* target, int flags) = 0;
  // mount_setattr(AT_FDCWD, path, AT_RECURSIVE, attr).
  virtual int MountSetattr(const char* path, struct mount_attr* attr) = 0;
  // move_mount(from_fd, "", AT_FDCWD, to_path, MOVE_MOUNT_F_EMPTY_PATH): puts
  // a detached mount (open_tree) at to_path, following a final symlink
  // such as /proc/self/fd/N (MOVE_MOUNT_T_SYMLINKS).
  virtual int MoveMount(int from_fd, const char* to_path) = 0;
  virtual int PivotRoot(const char* new_root, const char* put_old) = 0;
  virtual int Chroot(const char* path) = 0;
  virtual int Chdir(const char* path) = 0;
  virtual int Fchdir(int fd) = 0;
  virtual int Mknod(const char* path, mode_t mode, dev_t dev) = 0;
  virtual int Chown(const char* path, uid_t uid, gid_t gid) = 0;
  virtual int Sethostname(const char* name, size_t len) = 0;
  virtual int Setdomainname(const char* name, size_t len) = 0;

  // The steps of an idmapped mount the init makes itself (see idmap.h):
  // a detached new file system, a user namespace whose maps it writes, and
  // MOUNT_ATTR_IDMAP on the one with the other.
  virtual absl::StatusOr<UniqueFd> OpenFs(const std::string& fstype,
                                          const std::string& source,
                                          unsigned long flags,
                                          const std::string& data) = 0;
  virtual absl::StatusOr<UniqueFd> MakeUserNamespace(
      const std::vector<oci::IdMapping>& uids,
      const std::vector<oci::IdMapping>& gids) = 0;
  virtual absl::Status SetIdmap(int tree_fd, int userns_fd, bool recursive) = 0;
};

// The running kernel.
Kernel& RealKernel();

}  // namespace crate::linux

#endif  // CRATE_RUNTIME_LINUX_KERNEL_H_
