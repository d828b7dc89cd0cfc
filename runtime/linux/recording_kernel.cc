#include "runtime/linux/recording_kernel.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "absl/strings/str_cat.h"

namespace crate::linux {
namespace {

// Mounts go to /proc/self/fd/N of a pinned target: record the path it
// stands for, which is what tests can expect.
std::string Or(const char* s) {
  if (s == nullptr) return "-";
  if (strncmp(s, "/proc/self/fd/", 14) == 0) {
    char buf[PATH_MAX];
    ssize_t n = readlink(s, buf, sizeof(buf) - 1);
    if (n > 0) return std::string(buf, n);
  }
  return s;
}

}  // namespace

int RecordingKernel::Record(std::string line) {
  calls_.push_back(line);
  if (!fail_match_.empty() && line.find(fail_match_) != std::string::npos) {
    errno = fail_errno_;
    return -1;
  }
  return 0;
}

int RecordingKernel::Mount(const char* source, const char* target,
                           const char* fstype, unsigned long flags,
                           const void* data) {
  return Record(absl::StrCat("mount ", Or(source), " ", Or(target), " ",
                             Or(fstype), " 0x", absl::Hex(flags), " ",
                             Or(static_cast<const char*>(data))));
}
int RecordingKernel::Umount2(const char* target, int flags) {
  return Record(absl::StrCat("umount2 ", target, " ", flags));
}
int RecordingKernel::MountSetattr(const char* path, struct mount_attr* attr) {
  return Record(absl::StrCat("mount_setattr ", Or(path), " set 0x",
                             absl::Hex(attr->attr_set), " clr 0x",
                             absl::Hex(attr->attr_clr)));
}
int RecordingKernel::MoveMount(int from_fd, const char* to_path) {
  return Record(absl::StrCat("move_mount fd ", from_fd, " ", Or(to_path)));
}
int RecordingKernel::PivotRoot(const char* new_root, const char* put_old) {
  return Record(absl::StrCat("pivot_root ", new_root, " ", put_old));
}
int RecordingKernel::Chroot(const char* path) {
  return Record(absl::StrCat("chroot ", path));
}
int RecordingKernel::Chdir(const char* path) {
  return Record(absl::StrCat("chdir ", path));
}
int RecordingKernel::Fchdir(int fd) { return Record("fchdir"); }
int RecordingKernel::Mknod(const char* path, mode_t mode, dev_t dev) {
  char perm[8];
  snprintf(perm, sizeof(perm), "%o", static_cast<unsigned>(mode & 07777));
  return Record(absl::StrCat("mknod ", path, " ", perm, " ", major(dev), ":",
                             minor(dev)));
}
int RecordingKernel::Chown(const char* path, uid_t uid, gid_t gid) {
  return Record(absl::StrCat("chown ", path, " ", uid, ":", gid));
}
int RecordingKernel::Sethostname(const char* name, size_t len) {
  return Record(absl::StrCat("sethostname ", std::string(name, len)));
}
int RecordingKernel::Setdomainname(const char* name, size_t len) {
  return Record(absl::StrCat("setdomainname ", std::string(name, len)));
}

}  // namespace crate::linux
