#include "runtime/linux/kernel.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "runtime/linux/idmap.h"

#ifndef SYS_mount_setattr
#define SYS_mount_setattr 442
#endif

namespace crate::linux {
namespace {

class Real : public Kernel {
 public:
  int Mount(const char* source, const char* target, const char* fstype,
            unsigned long flags, const void* data) override {
    return mount(source, target, fstype, flags, data);
  }
  int Umount2(const char* target, int flags) override {
    return umount2(target, flags);
  }
  int MountSetattr(const char* path, struct mount_attr* attr) override {
    return static_cast<int>(syscall(SYS_mount_setattr, AT_FDCWD, path,
                                    AT_RECURSIVE, attr, sizeof(*attr)));
  }
  int MoveMount(int from_fd, const char* to_path) override {
    return static_cast<int>(
        syscall(SYS_move_mount, from_fd, "", AT_FDCWD, to_path,
                MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_SYMLINKS));
  }
  int PivotRoot(const char* new_root, const char* put_old) override {
    return static_cast<int>(syscall(SYS_pivot_root, new_root, put_old));
  }
  int Chroot(const char* path) override { return chroot(path); }
  int Chdir(const char* path) override { return chdir(path); }
  int Fchdir(int fd) override { return fchdir(fd); }
  int Mknod(const char* path, mode_t mode, dev_t dev) override {
    return mknod(path, mode, dev);
  }
  int Chown(const char* path, uid_t uid, gid_t gid) override {
    return chown(path, uid, gid);
  }
  int Sethostname(const char* name, size_t len) override {
    return sethostname(name, len);
  }
  int Setdomainname(const char* name, size_t len) override {
    return setdomainname(name, len);
  }
  absl::StatusOr<UniqueFd> OpenFs(const std::string& fstype,
                                  const std::string& source,
                                  unsigned long flags,
                                  const std::string& data) override {
    return OpenDetachedFs(fstype, source, flags, data);
  }
  absl::StatusOr<UniqueFd> MakeUserNamespace(
      const std::vector<oci::IdMapping>& uids,
      const std::vector<oci::IdMapping>& gids) override {
    return linux::MakeUserNamespace(uids, gids);
  }
  absl::Status SetIdmap(int tree_fd, int userns_fd, bool recursive) override {
    return linux::SetIdmap(tree_fd, userns_fd, recursive);
  }
};

}  // namespace

Kernel& RealKernel() {
  static Real* real = new Real;
  return *real;
}

}  // namespace crate::linux
