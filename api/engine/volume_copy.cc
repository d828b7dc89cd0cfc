#include "api/engine/volume_copy.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <map>
#include <utility>

#include "absl/strings/str_cat.h"
#include "runtime/base/errno_status.h"
#include "runtime/base/file_util.h"
#include "runtime/base/status_macros.h"
#include "runtime/base/unique_fd.h"

namespace crate::engine {
namespace {

// Each level holds two directory fds and a listing; an image deeper than
// this is refused rather than running out of descriptors.
constexpr int kMaxDepth = 256;

using Inode = std::pair<dev_t, ino_t>;

bool Unsupported(int err) { return err == ENOTSUP || err == EOPNOTSUPP; }

UniqueFd OpenAt2(int dir, const std::string& path, int flags,
                 uint64_t resolve) {
  struct open_how how = {};
  how.flags = static_cast<uint64_t>(flags | O_CLOEXEC);
  how.resolve = resolve;
  return UniqueFd(static_cast<int>(
      ::syscall(SYS_openat2, dir, path.c_str(), &how, sizeof(how))));
}

// A listing of its own, so that nobody else's offset moves.
absl::StatusOr<DIR*> OpenListing(int dir_fd, const std::string& display) {
  int fd = ::openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus("open", display);
  DIR* dir = ::fdopendir(fd);
  if (dir == nullptr) {
    ::close(fd);
    return ErrnoStatus("opendir", display);
  }
  return dir;
}

bool IsDots(const char* name) {
  return strcmp(name, ".") == 0 || strcmp(name, "..") == 0;
}

absl::StatusOr<bool> IsEmptyDir(int dir_fd, const std::string& display) {
  ASSIGN_OR_RETURN(DIR * dir, OpenListing(dir_fd, display));
  bool empty = true;
  errno = 0;
  while (struct dirent* ent = ::readdir(dir)) {
    if (!IsDots(ent->d_name)) {
      empty = false;
      break;
    }
  }
  int err = errno;
  ::closedir(dir);
  if (empty && err != 0) return ErrnoToStatus(err, "readdir", display);
  return empty;
}

absl::Status CopyXattrs(int src, int dst, const std::string& display) {
  ssize_t n = ::flistxattr(src, nullptr, 0);
  if (n < 0) {
    return Unsupported(errno) ? absl::OkStatus()
                              : ErrnoStatus("listxattr", display);
  }
  if (n == 0) return absl::OkStatus();
  std::string names(static_cast<size_t>(n), '\0');
  n = ::flistxattr(src, names.data(), names.size());
  if (n < 0) return ErrnoStatus("listxattr", display);
  names.resize(static_cast<size_t>(n));
  for (size_t at = 0; at < names.size();) {
    std::string name(names.c_str() + at);
    at += name.size() + 1;
    if (name.empty()) continue;
    ssize_t len = ::fgetxattr(src, name.c_str(), nullptr, 0);
    if (len < 0) {
      if (errno == ENODATA) continue;
      return ErrnoStatus(absl::StrCat("getxattr ", name), display);
    }
    std::string value(static_cast<size_t>(len), '\0');
    len = ::fgetxattr(src, name.c_str(), value.data(), value.size());
    if (len < 0) return ErrnoStatus(absl::StrCat("getxattr ", name), display);
    if (::fsetxattr(dst, name.c_str(), value.data(), static_cast<size_t>(len),
                    0) != 0 &&
        !Unsupported(errno)) {
      return ErrnoStatus(absl::StrCat("setxattr ", name), display);
    }
  }
  return absl::OkStatus();
}

// Owner first: chown clears the set-id bits that the mode then restores.
absl::Status CopyAttributes(int src, int dst, const struct stat& st,
                            const std::string& display) {
  if (::fchown(dst, st.st_uid, st.st_gid) != 0) {
    return ErrnoStatus("chown", display);
  }
  if (::fchmod(dst, st.st_mode & 07777) != 0) {
    return ErrnoStatus("chmod", display);
  }
  RETURN_IF_ERROR(CopyXattrs(src, dst, display));
  struct timespec times[2] = {st.st_atim, st.st_mtim};
  if (::futimens(dst, times) != 0) return ErrnoStatus("utimens", display);
  return absl::OkStatus();
}

absl::Status CopyBytes(int src, int dst, const std::string& display) {
  bool plain = false;
  for (;;) {
    ssize_t n;
    if (!plain) {
      n = ::copy_file_range(src, nullptr, dst, nullptr, 1 << 30, 0);
      if (n < 0 && (errno == EXDEV || errno == EINVAL || errno == ENOSYS ||
                    Unsupported(errno))) {
        plain = true;
        continue;
      }
    } else {
      char buf[64 << 10];
      n = ::read(src, buf, sizeof(buf));
      if (n > 0) {
        RETURN_IF_ERROR(WriteAll(dst, absl::string_view(buf, n), display));
      }
    }
    if (n == 0) return absl::OkStatus();
    if (n < 0 && errno != EINTR) return ErrnoStatus("copy", display);
  }
}

class Copier {
 public:
  Copier(dev_t dev, int data_root, std::string data_path)
      : dev_(dev), data_root_(data_root), data_path_(std::move(data_path)) {}

  uint64_t files() const { return files_; }

  absl::Status CopyDir(int src, int dst, const std::string& rel, int depth) {
    const std::string display = Display(rel);
    if (depth > kMaxDepth) {
      return absl::FailedPreconditionError(absl::StrCat(
          "copy into ", display, ": deeper than ", kMaxDepth, " directories"));
    }
    ASSIGN_OR_RETURN(DIR * dir, OpenListing(src, display));
    absl::Status s;
    errno = 0;
    while (struct dirent* ent = ::readdir(dir)) {
      if (IsDots(ent->d_name)) continue;
      s = CopyEntry(src, dst, ent->d_name,
                    rel.empty() ? ent->d_name : JoinPath(rel, ent->d_name),
                    depth);
      if (!s.ok()) break;
      errno = 0;
    }
    if (s.ok() && errno != 0) s = ErrnoStatus("readdir", display);
    ::closedir(dir);
    return s;
  }

 private:
  std::string Display(const std::string& rel) const {
    return rel.empty() ? data_path_ : JoinPath(data_path_, rel);
  }

  absl::Status CopyEntry(int src, int dst, const char* name,
                         const std::string& rel, int depth) {
    const std::string display = Display(rel);
    struct stat st;
    if (::fstatat(src, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
      return ErrnoStatus("stat (image)", display);
    }
    if (st.st_dev != dev_) return absl::OkStatus();  // another file system
    switch (st.st_mode & S_IFMT) {
      case S_IFDIR:
        return CopySubdir(src, dst, name, st, rel, depth);
      case S_IFREG:
        return CopyFile(src, dst, name, st, rel);
      case S_IFLNK:
        return CopySymlink(src, dst, name, st, display);
      case S_IFCHR:
      case S_IFBLK:
      case S_IFIFO:
        return CopyNode(dst, name, st, display);
      default:
        return absl::OkStatus();  // sockets belong to a process, not a copy
    }
  }

  absl::Status CopySubdir(int src, int dst, const char* name,
                          const struct stat& st, const std::string& rel,
                          int depth) {
    const std::string display = Display(rel);
    if (::mkdirat(dst, name, 0700) != 0) return ErrnoStatus("mkdir", display);
    ++files_;
    UniqueFd from(
        ::openat(src, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!from) return ErrnoStatus("open (image)", display);
    UniqueFd to(
        ::openat(dst, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!to) return ErrnoStatus("open", display);
    RETURN_IF_ERROR(CopyDir(from.get(), to.get(), rel, depth + 1));
    return CopyAttributes(from.get(), to.get(), st, display);
  }

  // A second name of an inode already copied becomes a link to the copy,
  // found again beneath the volume's root without following anything.
  bool LinkToCopy(int dst, const char* name, const struct stat& st) {
    auto it = links_.find({st.st_dev, st.st_ino});
    if (it == links_.end()) return false;
    UniqueFd first = OpenAt2(data_root_, it->second.first, O_PATH | O_NOFOLLOW,
                             RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS);
    struct stat now;
    if (!first || ::fstat(first.get(), &now) != 0 ||
        Inode(now.st_dev, now.st_ino) != it->second.second) {
      return false;
    }
    std::string proc = absl::StrCat("/proc/self/fd/", first.get());
    if (::linkat(AT_FDCWD, proc.c_str(), dst, name, AT_SYMLINK_FOLLOW) != 0) {
      return false;
    }
    ++files_;
    return true;
  }

  absl::Status CopyFile(int src, int dst, const char* name,
                        const struct stat& st, const std::string& rel) {
    const std::string display = Display(rel);
    if (st.st_nlink > 1 && LinkToCopy(dst, name, st)) return absl::OkStatus();
    UniqueFd from(::openat(src, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (!from) return ErrnoStatus("open (image)", display);
    UniqueFd to(::openat(
        dst, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (!to) return ErrnoStatus("create", display);
    ++files_;
    RETURN_IF_ERROR(CopyBytes(from.get(), to.get(), display));
    RETURN_IF_ERROR(CopyAttributes(from.get(), to.get(), st, display));
    if (st.st_nlink > 1) {
      struct stat made;
      if (::fstat(to.get(), &made) == 0) {
        links_.emplace(Inode(st.st_dev, st.st_ino),
                       std::make_pair(rel, Inode(made.st_dev, made.st_ino)));
      }
    }
    return absl::OkStatus();
  }

  absl::Status CopySymlink(int src, int dst, const char* name,
                           const struct stat& st, const std::string& display) {
    std::string target(static_cast<size_t>(st.st_size) + 1, '\0');
    ssize_t n = ::readlinkat(src, name, target.data(), target.size());
    if (n < 0) return ErrnoStatus("readlink (image)", display);
    if (static_cast<size_t>(n) >= target.size()) {
      return absl::FailedPreconditionError(
          absl::StrCat("readlink (image) ", display, ": changed while read"));
    }
    target.resize(static_cast<size_t>(n));
    if (::symlinkat(target.c_str(), dst, name) != 0) {
      return ErrnoStatus("symlink", display);
    }
    ++files_;
    return FinishNode(dst, name, st, display, /*symlink=*/true);
  }

  absl::Status CopyNode(int dst, const char* name, const struct stat& st,
                        const std::string& display) {
    if (::mknodat(dst, name, (st.st_mode & S_IFMT) | 0600, st.st_rdev) != 0) {
      return ErrnoStatus("mknod", display);
    }
    ++files_;
    return FinishNode(dst, name, st, display, /*symlink=*/false);
  }

  // Owner, mode (not for symlinks, which have none) and times of an entry
  // that cannot be opened for writing, by name and never followed.
  absl::Status FinishNode(int dst, const char* name, const struct stat& st,
                          const std::string& display, bool symlink) {
    if (::fchownat(dst, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) != 0) {
      return ErrnoStatus("chown", display);
    }
    if (!symlink &&
        ::fchmodat(dst, name, st.st_mode & 07777, AT_SYMLINK_NOFOLLOW) != 0) {
      return ErrnoStatus("chmod", display);
    }
    struct timespec times[2] = {st.st_atim, st.st_mtim};
    if (::utimensat(dst, name, times, AT_SYMLINK_NOFOLLOW) != 0) {
      return ErrnoStatus("utimens", display);
    }
    return absl::OkStatus();
  }

  dev_t dev_;
  int data_root_;
  std::string data_path_;
  // Source inode -> (the copy's path beneath the data root, its inode).
  std::map<Inode, std::pair<std::string, Inode>> links_;
  uint64_t files_ = 0;
};

}  // namespace

absl::StatusOr<CopyUpResult> CopyUp(const std::string& rootfs,
                                    const std::string& path, int data_fd,
                                    const std::string& data_path) {
  CopyUpResult result;
  ASSIGN_OR_RETURN(bool empty, IsEmptyDir(data_fd, data_path));
  if (!empty) return result;
  UniqueFd root(::open(rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root) return ErrnoStatus("open", rootfs);
  UniqueFd src = OpenAt2(root.get(), path, O_RDONLY | O_DIRECTORY,
                         RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
  if (!src) {
    // Nothing there, or not a directory: the volume starts empty.
    if (errno == ENOENT || errno == ENOTDIR) return result;
    return ErrnoStatus("open (image)", JoinPath(rootfs, path));
  }
  struct stat st;
  if (::fstat(src.get(), &st) != 0) {
    return ErrnoStatus("stat (image)", JoinPath(rootfs, path));
  }
  Copier copier(st.st_dev, data_fd, data_path);
  RETURN_IF_ERROR(copier.CopyDir(src.get(), data_fd, "", 0));
  RETURN_IF_ERROR(CopyAttributes(src.get(), data_fd, st, data_path));
  result.copied = true;
  result.files = copier.files();
  return result;
}

}  // namespace crate::engine
