// A flock(2) held on a directory itself rather than on a lock file inside
// it. A lock file would have to be created (O_CREAT) by whoever waits for
// it, which can recreate an entry in a directory that is being removed and
// make that removal fail; a directory lock creates nothing, and a waiter
// that gets the lock after the directory is gone simply finds no record.
#ifndef CRATE_API_ENGINE_DIR_LOCK_H_
#define CRATE_API_ENGINE_DIR_LOCK_H_

#include <string>

#include "absl/status/statusor.h"
#include "runtime/base/unique_fd.h"

namespace crate::engine {

class DirLock {
 public:
  enum class Mode { kShared, kExclusive };

  // Blocks until the lock is held. kNotFound if the directory is missing,
  // or was renamed or removed while this waited: a lock is only ever held
  // on what `dir` names when the call returns.
  static absl::StatusOr<DirLock> Acquire(const std::string& dir,
                                         Mode mode = Mode::kExclusive);
  // kUnavailable instead of waiting when another holder conflicts.
  static absl::StatusOr<DirLock> TryAcquire(const std::string& dir,
                                            Mode mode = Mode::kExclusive);

  DirLock(DirLock&&) = default;
  DirLock& operator=(DirLock&&) = default;

 private:
  explicit DirLock(UniqueFd fd) : fd_(std::move(fd)) {}
  static absl::StatusOr<DirLock> Lock(const std::string& dir, Mode mode,
                                      bool wait);

  UniqueFd fd_;  // Closing the fd drops the lock.
};

}  // namespace crate::engine

#endif  // CRATE_API_ENGINE_DIR_LOCK_H_
