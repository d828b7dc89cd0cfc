#include "api/engine/tree_usage.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <vector>

#include "runtime/base/errno_status.h"
#include "runtime/base/file_util.h"

namespace crate::engine {
namespace {

constexpr int kDirFlags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;

// The directories from the root down to where the walk is.
class DirStack {
 public:
  ~DirStack() {
    for (Level& l : levels_) closedir(l.dir);
  }
  bool empty() const { return levels_.empty(); }
  size_t depth() const { return levels_.size(); }
  DIR* top() { return levels_.back().dir; }
  const std::string& path() const { return levels_.back().path; }
  // Takes `fd`; false (and the fd closed) when it cannot be read as a
  // directory.
  bool Push(int fd, std::string path) {
    DIR* dir = fdopendir(fd);
    if (dir == nullptr) {
      close(fd);
      return false;
    }
    levels_.push_back({dir, std::move(path)});
    return true;
  }
  void Pop() {
    closedir(levels_.back().dir);
    levels_.pop_back();
  }

 private:
  struct Level {
    DIR* dir;
    std::string path;
  };
  std::vector<Level> levels_;
};

}  // namespace

bool TreeUsage::FirstSight(const struct stat& st) {
  return st.st_nlink <= 1 || seen_.insert({st.st_dev, st.st_ino}).second;
}

absl::StatusOr<uint64_t> TreeUsage::Add(const std::string& path) {
  struct stat root;
  if (lstat(path.c_str(), &root) != 0) {
    if (errno == ENOENT) return 0;
    return ErrnoStatus("stat", path);
  }
  if (!S_ISDIR(root.st_mode)) {
    return FirstSight(root) ? static_cast<uint64_t>(root.st_size) : 0;
  }
  DirStack stack;
  int fd = open(path.c_str(), kDirFlags);
  if (fd < 0) {
    if (errno == ENOENT) return 0;
    return ErrnoStatus("open", path);
  }
  if (!stack.Push(fd, path)) return ErrnoStatus("opendir", path);
  uint64_t total = 0;
  while (!stack.empty()) {
    errno = 0;
    struct dirent* ent = readdir(stack.top());
    if (ent == nullptr) {
      if (errno != 0) return ErrnoStatus("readdir", stack.path());
      stack.Pop();
      continue;
    }
    if (strcmp(ent->d_name, ".") == 0 || strcmp(ent->d_name, "..") == 0) {
      continue;
    }
    const int parent = dirfd(stack.top());
    struct stat st;
    if (fstatat(parent, ent->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
      if (errno == ENOENT) continue;
      return ErrnoStatus("stat", JoinPath(stack.path(), ent->d_name));
    }
    if (!S_ISDIR(st.st_mode)) {
      if (st.st_size > 0 && FirstSight(st)) {
        total += static_cast<uint64_t>(st.st_size);
      }
      continue;
    }
    if (st.st_dev != root.st_dev) continue;  // another mount
    if (stack.depth() >= kMaxDepth) {
      truncated_ = true;
      continue;
    }
    std::string child = JoinPath(stack.path(), ent->d_name);
    int child_fd = openat(parent, ent->d_name, kDirFlags);
    if (child_fd < 0) {
      // Gone, or replaced by a symlink or a file since the stat.
      if (errno == ENOENT || errno == ELOOP || errno == ENOTDIR) continue;
      return ErrnoStatus("open", child);
    }
    if (!stack.Push(child_fd, std::move(child))) {
      return ErrnoStatus("opendir", JoinPath(stack.path(), ent->d_name));
    }
  }
  return total;
}

}  // namespace crate::engine
