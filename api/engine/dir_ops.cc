#include "api/engine/dir_ops.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "api/engine/ids.h"
#include "runtime/base/errno_status.h"
#include "runtime/base/file_util.h"
#include "runtime/base/status_macros.h"
#include "runtime/base/unique_fd.h"

namespace crate::engine {
namespace {

using Inode = std::pair<dev_t, ino_t>;

absl::Status AddTreeSize(int dir_fd, const std::string& display, dev_t dev,
                         std::set<Inode>& seen, uint64_t& total) {
  DIR* dir = ::fdopendir(dir_fd);
  if (dir == nullptr) {
    ::close(dir_fd);
    return ErrnoStatus("opendir", display);
  }
  absl::Status status;
  while (struct dirent* ent = ::readdir(dir)) {
    if (strcmp(ent->d_name, ".") == 0 || strcmp(ent->d_name, "..") == 0) {
      continue;
    }
    struct stat st;
    if (::fstatat(::dirfd(dir), ent->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
      if (errno == ENOENT) continue;
      status = ErrnoStatus("stat", JoinPath(display, ent->d_name));
      break;
    }
    if (S_ISDIR(st.st_mode)) {
      if (st.st_dev != dev) continue;  // a mount: not the volume's bytes
      int fd = ::openat(::dirfd(dir), ent->d_name,
                        O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (fd < 0) {
        status = ErrnoStatus("open", JoinPath(display, ent->d_name));
        break;
      }
      status =
          AddTreeSize(fd, JoinPath(display, ent->d_name), dev, seen, total);
      if (!status.ok()) break;
      continue;
    }
    if (st.st_nlink > 1 && !seen.insert({st.st_dev, st.st_ino}).second) {
      continue;
    }
    total += static_cast<uint64_t>(st.st_size);
  }
  ::closedir(dir);
  return status;
}

}  // namespace

absl::Status SyncDir(const std::string& dir) {
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd) return ErrnoStatus("open", dir);
  if (::fsync(fd.get()) != 0) return ErrnoStatus("fsync", dir);
  return absl::OkStatus();
}

absl::Status RenameNoReplace(const std::string& from, const std::string& to) {
  if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(),
                  RENAME_NOREPLACE) == 0) {
    return absl::OkStatus();
  }
  if (errno == EINVAL && ::rename(from.c_str(), to.c_str()) == 0) {
    return absl::OkStatus();
  }
  return ErrnoStatus(absl::StrCat("rename to ", to), from);
}

absl::StatusOr<std::string> RenameAway(const std::string& path) {
  size_t slash = path.rfind('/');
  std::string parent = slash == std::string::npos ? "." : path.substr(0, slash);
  ASSIGN_OR_RETURN(std::string id, NewId());
  std::string away = JoinPath(parent, absl::StrCat(".removing-", id));
  RETURN_IF_ERROR(RenameNoReplace(path, away));
  return away;
}

absl::StatusOr<uint64_t> TreeSize(const std::string& path) {
  UniqueFd fd(
      ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd) return ErrnoStatus("open", path);
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) return ErrnoStatus("stat", path);
  std::set<Inode> seen;
  uint64_t total = 0;
  RETURN_IF_ERROR(AddTreeSize(fd.Release(), path, st.st_dev, seen, total));
  return total;
}

}  // namespace crate::engine
