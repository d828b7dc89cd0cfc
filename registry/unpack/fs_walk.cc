#include "registry/unpack/fs_walk.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <atomic>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "runtime/base/errno_status.h"
#include "runtime/base/file_util.h"
#include "runtime/base/status_macros.h"
#include "runtime/base/unique_fd.h"

namespace crate::registry {
namespace {

std::atomic<bool> g_no_openat2{false};

std::string Child(const std::string& dir, const std::string& name) {
  return dir.empty() || dir == "." ? name : absl::StrCat(dir, "/", name);
}

}  // namespace

bool HaveRealRoot() {
  if (geteuid() != 0) return false;
  // The initial user namespace maps all of the 32-bit ID space onto itself.
  absl::StatusOr<std::string> map = ReadFile("/proc/self/uid_map");
  if (!map.ok()) return true;  // No user namespaces at all.
  std::vector<std::string> fields =
      absl::StrSplit(*map, absl::ByAnyChar(" \t\n"), absl::SkipEmpty());
  return fields.size() == 3 && fields[0] == "0" && fields[1] == "0" &&
         fields[2] == "4294967295";
}

int OpenBeneath(int root_fd, const std::string& rel, int flags) {
  if (!g_no_openat2.load(std::memory_order_relaxed)) {
    struct open_how how = {};
    how.flags = static_cast<uint64_t>(flags | O_CLOEXEC);
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
    int fd = static_cast<int>(
        syscall(SYS_openat2, root_fd, rel.c_str(), &how, sizeof(how)));
    if (fd >= 0 || errno != ENOSYS) return fd;
    g_no_openat2.store(true, std::memory_order_relaxed);
  }
  if (absl::StartsWith(rel, "/")) {
    errno = EXDEV;
    return -1;
  }
  std::vector<std::string> parts = absl::StrSplit(rel, '/', absl::SkipEmpty());
  UniqueFd cur(openat(root_fd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!cur) return -1;
  if (parts.empty()) {
    return openat(root_fd, ".", flags | O_CLOEXEC);
  }
  for (size_t i = 0; i < parts.size(); ++i) {
    if (parts[i] == "..") {
      errno = EXDEV;
      return -1;
    }
    bool last = i + 1 == parts.size();
    if (parts[i] == "." && !last) continue;
    int f = last ? (flags | O_NOFOLLOW) : (O_PATH | O_DIRECTORY | O_NOFOLLOW);
    int fd = openat(cur.get(), parts[i].c_str(), f | O_CLOEXEC);
    if (fd < 0) {
      int err = errno;
      struct stat st;
      if ((err == ELOOP || err == ENOTDIR) &&
          fstatat(cur.get(), parts[i].c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 &&
          S_ISLNK(st.st_mode) && !(last && (flags & O_NOFOLLOW))) {
        err = EXDEV;
      }
      errno = err;
      return -1;
    }
    cur.Reset(fd);
  }
  return cur.Release();
}

absl::StatusOr<std::vector<std::string>> ListDirFd(int dir_fd,
                                                   const std::string& display) {
  int fd = openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus("open", display);
  DIR* dir = fdopendir(fd);
  if (dir == nullptr) {
    close(fd);
    return ErrnoStatus("opendir", display);
  }
  std::vector<std::string> names;
  while (struct dirent* ent = readdir(dir)) {
    if (strcmp(ent->d_name, ".") == 0 || strcmp(ent->d_name, "..") == 0)
      continue;
    names.emplace_back(ent->d_name);
  }
  closedir(dir);
  return names;
}

absl::Status RemoveAt(int dir_fd, const std::string& name,
                      const std::string& display) {
  struct stat st;
  if (fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno == ENOENT) return absl::OkStatus();
    return ErrnoStatus("stat", display);
  }
  if (S_ISDIR(st.st_mode)) {
    UniqueFd fd(openat(dir_fd, name.c_str(),
                       O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd) return ErrnoStatus("open", display);
    ASSIGN_OR_RETURN(std::vector<std::string> names,
                     ListDirFd(fd.get(), display));
    for (const std::string& n : names) {
      RETURN_IF_ERROR(RemoveAt(fd.get(), n, Child(display, n)));
    }
  }
  if (unlinkat(dir_fd, name.c_str(), S_ISDIR(st.st_mode) ? AT_REMOVEDIR : 0) !=
          0 &&
      errno != ENOENT) {
    return ErrnoStatus("remove", display);
  }
  return absl::OkStatus();
}

namespace {

// In a user namespace an owner outside the ID mapping (EINVAL) is left to
// the caller.
absl::Status ChownError(const std::string& rel) {
  int err = errno;
  if (err == EINVAL && !HaveRealRoot()) return absl::OkStatus();
  return ErrnoToStatus(err, "chown", rel);
}

class Copier {
 public:
  explicit Copier(int dst_root) : dst_root_(dst_root) {}

  absl::Status CopyDir(int src_fd, int dst_fd, const std::string& rel) {
    ASSIGN_OR_RETURN(std::vector<std::string> names, ListDirFd(src_fd, rel));
    for (const std::string& name : names) {
      RETURN_IF_ERROR(CopyEntry(src_fd, dst_fd, name, Child(rel, name)));
    }
    return absl::OkStatus();
  }

 private:
  absl::Status CopyEntry(int src_dir, int dst_dir, const std::string& name,
                         const std::string& rel) {
    struct stat st;
    if (fstatat(src_dir, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      return ErrnoStatus("stat", rel);
    }
    if (S_ISCHR(st.st_mode) && st.st_rdev == 0) {
      return RemoveAt(dst_dir, name, rel);  // overlay whiteout
    }
    struct stat dst;
    bool exists =
        fstatat(dst_dir, name.c_str(), &dst, AT_SYMLINK_NOFOLLOW) == 0;
    if (S_ISDIR(st.st_mode)) {
      UniqueFd src(openat(src_dir, name.c_str(),
                          O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (!src) return ErrnoStatus("open", rel);
      char v = 0;
      bool opaque =
          (fgetxattr(src.get(), "trusted.overlay.opaque", &v, 1) == 1 ||
           fgetxattr(src.get(), "user.overlay.opaque", &v, 1) == 1) &&
          v == 'y';
      if (exists && (opaque || !S_ISDIR(dst.st_mode))) {
        RETURN_IF_ERROR(RemoveAt(dst_dir, name, rel));
        exists = false;
      }
      if (!exists && mkdirat(dst_dir, name.c_str(), 0700) != 0) {
        return ErrnoStatus("mkdir", rel);
      }
      UniqueFd out(openat(dst_dir, name.c_str(),
                          O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (!out) return ErrnoStatus("open", rel);
      RETURN_IF_ERROR(CopyDir(src.get(), out.get(), rel));
      return Metadata(src.get(), out.get(), st, rel);
    }
    if (exists) RETURN_IF_ERROR(RemoveAt(dst_dir, name, rel));
    if (S_ISREG(st.st_mode)) {
      auto key = std::make_pair(st.st_dev, st.st_ino);
      if (st.st_nlink > 1) {
        auto it = links_.find(key);
        if (it != links_.end()) return Link(it->second, dst_dir, name, rel);
        links_[key] = rel;
      }
      return CopyFile(src_dir, dst_dir, name, rel, st);
    }
    if (S_ISLNK(st.st_mode)) {
      std::string target(static_cast<size_t>(st.st_size) + 1, '\0');
      ssize_t n =
          readlinkat(src_dir, name.c_str(), target.data(), target.size());
      if (n < 0) return ErrnoStatus("readlink", rel);
      target.resize(static_cast<size_t>(n));
      if (symlinkat(target.c_str(), dst_dir, name.c_str()) != 0) {
        return ErrnoStatus("symlink", rel);
      }
    } else if (mknodat(dst_dir, name.c_str(), st.st_mode, st.st_rdev) != 0) {
      return ErrnoStatus("mknod", rel);
    }
    if (geteuid() == 0 && fchownat(dst_dir, name.c_str(), st.st_uid, st.st_gid,
                                   AT_SYMLINK_NOFOLLOW) != 0) {
      RETURN_IF_ERROR(ChownError(rel));
    }
    if (!S_ISLNK(st.st_mode) &&
        fchmodat(dst_dir, name.c_str(), st.st_mode & 07777, 0) != 0) {
      return ErrnoStatus("chmod", rel);
    }
    struct timespec times[2] = {st.st_atim, st.st_mtim};
    if (utimensat(dst_dir, name.c_str(), times, AT_SYMLINK_NOFOLLOW) != 0) {
      return ErrnoStatus("set times of", rel);
    }
    return absl::OkStatus();
  }

  absl::Status Link(const std::string& first, int dst_dir,
                    const std::string& name, const std::string& rel) {
    size_t slash = first.rfind('/');
    std::string parent =
        slash == std::string::npos ? "." : first.substr(0, slash);
    std::string base =
        slash == std::string::npos ? first : first.substr(slash + 1);
    UniqueFd pfd(OpenBeneath(dst_root_, parent, O_PATH | O_DIRECTORY));
    if (!pfd) return ErrnoStatus("open", parent);
    if (linkat(pfd.get(), base.c_str(), dst_dir, name.c_str(), 0) != 0) {
      return ErrnoStatus(absl::StrCat("hard link ", first, " to"), rel);
    }
    return absl::OkStatus();
  }

  absl::Status CopyFile(int src_dir, int dst_dir, const std::string& name,
                        const std::string& rel, const struct stat& st) {
    UniqueFd in(
        openat(src_dir, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (!in) return ErrnoStatus("open", rel);
    UniqueFd out(openat(dst_dir, name.c_str(),
                        O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                        0600));
    if (!out) return ErrnoStatus("create", rel);
    off_t left = st.st_size;
    bool use_cfr = true;
    char buf[64 << 10];
    while (left > 0) {
      ssize_t n = -1;
      if (use_cfr) {
        n = copy_file_range(in.get(), nullptr, out.get(), nullptr,
                            static_cast<size_t>(left), 0);
        if (n < 0 && (errno == EXDEV || errno == ENOSYS || errno == EINVAL ||
                      errno == EOPNOTSUPP)) {
          use_cfr = false;
          continue;
        }
      } else {
        n = read(in.get(), buf, sizeof(buf));
        if (n > 0) {
          for (ssize_t done = 0; done < n;) {
            ssize_t w =
                write(out.get(), buf + done, static_cast<size_t>(n - done));
            if (w < 0) {
              if (errno == EINTR) continue;
              return ErrnoStatus("write", rel);
            }
            done += w;
          }
        }
      }
      if (n < 0) {
        if (errno == EINTR) continue;
        return ErrnoStatus("copy", rel);
      }
      if (n == 0) break;
      left -= n;
    }
    return Metadata(in.get(), out.get(), st, rel);
  }

  absl::Status Metadata(int src_fd, int dst_fd, const struct stat& st,
                        const std::string& rel) {
    if (geteuid() == 0 && fchown(dst_fd, st.st_uid, st.st_gid) != 0) {
      RETURN_IF_ERROR(ChownError(rel));
    }
    if (fchmod(dst_fd, st.st_mode & 07777) != 0)
      return ErrnoStatus("chmod", rel);
    ssize_t len = flistxattr(src_fd, nullptr, 0);
    if (len > 0) {
      std::string names(static_cast<size_t>(len), '\0');
      len = flistxattr(src_fd, names.data(), names.size());
      for (ssize_t off = 0; len > 0 && off < len;) {
        const char* attr = names.data() + off;
        off += static_cast<ssize_t>(strlen(attr)) + 1;
        if (absl::StartsWith(attr, "trusted.overlay.") ||
            absl::StartsWith(attr, "user.overlay.")) {
          continue;
        }
        ssize_t vlen = fgetxattr(src_fd, attr, nullptr, 0);
        if (vlen < 0) continue;
        std::string value(static_cast<size_t>(vlen), '\0');
        vlen = fgetxattr(src_fd, attr, value.data(), value.size());
        if (vlen < 0) continue;
        if (fsetxattr(dst_fd, attr, value.data(), static_cast<size_t>(vlen),
                      0) != 0 &&
            errno != ENOTSUP) {
          return ErrnoStatus(absl::StrCat("set xattr ", attr, " on"), rel);
        }
      }
    }
    struct timespec times[2] = {st.st_atim, st.st_mtim};
    if (futimens(dst_fd, times) != 0) return ErrnoStatus("set times of", rel);
    return absl::OkStatus();
  }

  int dst_root_;
  absl::flat_hash_map<std::pair<dev_t, ino_t>, std::string> links_;
};

}  // namespace

absl::Status CopyLayerOver(const std::string& src_dir,
                           const std::string& dst_dir) {
  UniqueFd src(open(src_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!src) return ErrnoStatus("open", src_dir);
  UniqueFd dst(open(dst_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dst) return ErrnoStatus("open", dst_dir);
  Copier copier(dst.get());
  return Annotate(copier.CopyDir(src.get(), dst.get(), "."),
                  absl::StrCat("copy ", src_dir, " over ", dst_dir));
}

}  // namespace crate::registry
