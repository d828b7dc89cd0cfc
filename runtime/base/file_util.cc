#include "runtime/base/file_util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>

#include "absl/strings/str_cat.h"
#include "runtime/base/errno_status.h"
#include "runtime/base/unique_fd.h"

namespace crate {
namespace {

std::string DirName(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

absl::Status RemoveTreeAt(int parent_fd, const char* name, dev_t dev,
                          const std::string& display) {
  struct stat st;
  if (fstatat(parent_fd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno == ENOENT) return absl::OkStatus();
    return ErrnoStatus("stat", display);
  }
  if (!S_ISDIR(st.st_mode)) {
    if (unlinkat(parent_fd, name, 0) != 0 && errno != ENOENT) {
      return ErrnoStatus("unlink", display);
    }
    return absl::OkStatus();
  }
  if (st.st_dev != dev) {
    return absl::FailedPreconditionError(
        absl::StrCat("remove ", display, ": a file system is mounted there"));
  }
  int fd =
      openat(parent_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus("open", display);
  DIR* dir = fdopendir(fd);
  if (dir == nullptr) {
    close(fd);
    return ErrnoStatus("opendir", display);
  }
  absl::Status status;
  while (struct dirent* ent = readdir(dir)) {
    if (strcmp(ent->d_name, ".") == 0 || strcmp(ent->d_name, "..") == 0)
      continue;
    status = RemoveTreeAt(dirfd(dir), ent->d_name, dev,
                          JoinPath(display, ent->d_name));
    if (!status.ok()) break;
  }
  closedir(dir);
  if (!status.ok()) return status;
  if (unlinkat(parent_fd, name, AT_REMOVEDIR) != 0 && errno != ENOENT) {
    return ErrnoStatus("rmdir", display);
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status WriteAll(int fd, absl::string_view data, const std::string& path) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus("write", path);
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return absl::OkStatus();
}

std::string JoinPath(absl::string_view a, absl::string_view b) {
  if (a.empty()) return std::string(b);
  if (b.empty()) return std::string(a);
  bool a_slash = a.back() == '/';
  bool b_slash = b.front() == '/';
  if (a_slash && b_slash) return absl::StrCat(a, b.substr(1));
  if (a_slash || b_slash) return absl::StrCat(a, b);
  return absl::StrCat(a, "/", b);
}

absl::StatusOr<std::string> ReadFile(const std::string& path, size_t max_size) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return ErrnoStatus("open", path);
  std::string out;
  char buf[8192];
  while (true) {
    ssize_t n = ::read(fd.get(), buf, sizeof(buf));
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus("read", path);
    }
    if (n == 0) break;
    if (out.size() + static_cast<size_t>(n) > max_size) {
      return absl::ResourceExhaustedError(
          absl::StrCat("read ", path, ": larger than ", max_size, " bytes"));
    }
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

absl::Status WriteFileAtomic(const std::string& path, absl::string_view data,
                             mode_t mode) {
  std::string dir = DirName(path);
  // A unique name per writer: two threads or processes writing the same
  // path must not share a temporary file; the last rename wins whole.
  std::string tmp = absl::StrCat(path, ".tmp.XXXXXX");
  UniqueFd fd(::mkostemp(tmp.data(), O_CLOEXEC));
  if (!fd) return ErrnoStatus("create", tmp);
  absl::Status status = WriteAll(fd.get(), data, tmp);
  if (status.ok() && ::fchmod(fd.get(), mode) != 0)
    status = ErrnoStatus("chmod", tmp);
  if (status.ok() && ::fsync(fd.get()) != 0) status = ErrnoStatus("fsync", tmp);
  if (status.ok() && ::rename(tmp.c_str(), path.c_str()) != 0) {
    status = ErrnoStatus("rename to " + path, tmp);
  }
  if (!status.ok()) {
    ::unlink(tmp.c_str());
    return status;
  }
  UniqueFd dfd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dfd) return ErrnoStatus("open", dir);
  if (::fsync(dfd.get()) != 0) return ErrnoStatus("fsync", dir);
  return absl::OkStatus();
}

absl::Status WriteExistingFile(const std::string& path,
                               absl::string_view data) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd) return ErrnoStatus("open", path);
  ssize_t n;
  do {
    n = ::write(fd.get(), data.data(), data.size());
  } while (n < 0 && errno == EINTR);
  if (n < 0) return ErrnoStatus(absl::StrCat("write '", data, "' to"), path);
  if (static_cast<size_t>(n) != data.size()) {
    return absl::InternalError(absl::StrCat("write ", path, ": short write"));
  }
  return absl::OkStatus();
}

absl::Status MakeDirs(const std::string& path, mode_t mode) {
  if (path.empty()) return absl::InvalidArgumentError("mkdir: empty path");
  struct stat st;
  if (::stat(path.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) return absl::OkStatus();
    return absl::AlreadyExistsError(
        absl::StrCat("mkdir ", path, ": exists and is not a directory"));
  }
  std::string parent = DirName(path);
  if (parent != path && parent != "." && parent != "/") {
    absl::Status s = MakeDirs(parent, mode);
    if (!s.ok()) return s;
  }
  if (::mkdir(path.c_str(), mode) != 0 && errno != EEXIST) {
    return ErrnoStatus("mkdir", path);
  }
  return absl::OkStatus();
}

absl::Status RemoveTree(const std::string& path) {
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return absl::OkStatus();
    return ErrnoStatus("stat", path);
  }
  return RemoveTreeAt(AT_FDCWD, path.c_str(), st.st_dev, path);
}

bool PathExists(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0;
}

absl::StatusOr<std::vector<std::string>> ListDir(const std::string& path) {
  DIR* dir = ::opendir(path.c_str());
  if (dir == nullptr) return ErrnoStatus("opendir", path);
  std::vector<std::string> out;
  while (struct dirent* ent = ::readdir(dir)) {
    if (strcmp(ent->d_name, ".") == 0 || strcmp(ent->d_name, "..") == 0)
      continue;
    out.emplace_back(ent->d_name);
  }
  ::closedir(dir);
  return out;
}

absl::StatusOr<std::string> MakeTempDir(absl::string_view prefix) {
  const char* tmp = getenv("TMPDIR");
  std::string templ =
      JoinPath(tmp && *tmp ? tmp : "/tmp", absl::StrCat(prefix, ".XXXXXX"));
  if (::mkdtemp(templ.data()) == nullptr) return ErrnoStatus("mkdtemp", templ);
  return templ;
}

}  // namespace crate
