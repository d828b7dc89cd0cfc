// The bytes a directory tree holds, counted as docker counts a container's
// writable layer or a volume: the apparent size of everything but
// directories, each inode once. The walk opens every directory relative to
// its parent (openat, O_NOFOLLOW), so a container rewriting its own upper
// directory meanwhile cannot send it anywhere through a symlink; it never
// follows symlinks and never crosses into another mount (an overlay
// mounted inside the tree holds bytes counted elsewhere).
#ifndef CRATE_API_ENGINE_TREE_USAGE_H_
#define CRATE_API_ENGINE_TREE_USAGE_H_

#include <sys/stat.h>
#include <sys/types.h>

#include <cstdint>
#include <string>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"

namespace crate::engine {

class TreeUsage {
 public:
  // Directories deeper than this are not walked (each level holds an open
  // descriptor); `truncated()` then says the figures are a lower bound.
  static constexpr size_t kMaxDepth = 256;

  // Bytes under `path` (a directory, or a single file) that this counter
  // has not counted before: a file hard-linked twice, here or under an
  // earlier path, counts once. A missing path holds 0 bytes; entries that
  // vanish during the walk are passed over.
  absl::StatusOr<uint64_t> Add(const std::string& path);

  bool truncated() const { return truncated_; }

 private:
  // Whether the inode is new to this counter (only multiply-linked ones
  // are remembered).
  bool FirstSight(const struct stat& st);

  absl::flat_hash_set<std::pair<dev_t, ino_t>> seen_;
  bool truncated_ = false;
};

}  // namespace crate::engine

#endif  // CRATE_API_ENGINE_TREE_USAGE_H_
