#include "runtime/linux/recording_kernel.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "runtime/base/errno_status.h"

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
  if (!fail_match_.empty() && line.find(fail_match_) != std::string::npos &&
      fail_times_ != 0) {
    if (fail_times_ > 0) --fail_times_;
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
  return Record(absl::StrCat("umount2 ", Or(target), " ", flags));
}
int RecordingKernel::MountSetattr(const char* path, struct mount_attr* attr) {
  return Record(absl::StrCat("mount_setattr ", Or(path), " set 0x",
                             absl::Hex(attr->attr_set), " clr 0x",
                             absl::Hex(attr->attr_clr)));
}
int RecordingKernel::MoveMount(int from_fd, const char* to_path) {
  return Record(
      absl::StrCat("move_mount fd ", FdName(from_fd), " ", Or(to_path)));
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

std::string RecordingKernel::FdName(int fd) const {
  auto it = fd_names_.find(fd);
  return it == fd_names_.end() ? absl::StrCat(fd) : it->second;
}

absl::StatusOr<UniqueFd> RecordingKernel::NamedFd(const std::string& kind,
                                                  std::string line) {
  std::string name = absl::StrCat(kind, "#", ++named_);
  if (Record(absl::StrCat(line, " -> ", name)) != 0) {
    return ErrnoStatus(line);
  }
  UniqueFd fd(open("/dev/null", O_RDONLY | O_CLOEXEC));
  if (!fd) return ErrnoStatus("open", "/dev/null");
  fd_names_[fd.get()] = name;
  return fd;
}

absl::StatusOr<UniqueFd> RecordingKernel::OpenFs(const std::string& fstype,
                                                 const std::string& source,
                                                 unsigned long flags,
                                                 const std::string& data) {
  return NamedFd(
      "fs", absl::StrCat("fsmount ", fstype, " ", Or(source.c_str()), " 0x",
                         absl::Hex(flags), " ", data.empty() ? "-" : data));
}

absl::StatusOr<UniqueFd> RecordingKernel::MakeUserNamespace(
    const std::vector<oci::IdMapping>& uids,
    const std::vector<oci::IdMapping>& gids) {
  auto render = [](const std::vector<oci::IdMapping>& maps) {
    std::vector<std::string> parts;
    for (const oci::IdMapping& m : maps) {
      parts.push_back(
          absl::StrCat(m.container_id, ":", m.host_id, ":", m.size));
    }
    return absl::StrJoin(parts, ",");
  };
  return NamedFd("userns", absl::StrCat("userns uids ", render(uids), " gids ",
                                        render(gids)));
}

absl::Status RecordingKernel::SetIdmap(int tree_fd, int userns_fd,
                                       bool recursive) {
  std::string line =
      absl::StrCat("mount_setattr idmap ", FdName(tree_fd), " ",
                   FdName(userns_fd), recursive ? " recursive" : "");
  if (Record(line) != 0) return ErrnoStatus(line);
  return absl::OkStatus();
}

}  // namespace crate::linux
