// An exclusive or shared flock(2) on a lock file, released on destruction.
// Serialises commands that touch the same container or store entry across
// processes.
#ifndef CRATE_RUNTIME_BASE_FILE_LOCK_H_
#define CRATE_RUNTIME_BASE_FILE_LOCK_H_

#include <string>

#include "absl/status/statusor.h"
#include "runtime/base/unique_fd.h"

namespace crate {

class FileLock {
 public:
  enum class Mode { kShared, kExclusive };

  // Creates the lock file if needed and blocks until the lock is held.
  static absl::StatusOr<FileLock> Acquire(const std::string& path,
                                          Mode mode = Mode::kExclusive);
  // Like Acquire but fails with kUnavailable instead of waiting.
  static absl::StatusOr<FileLock> TryAcquire(const std::string& path,
                                             Mode mode = Mode::kExclusive);

  FileLock(FileLock&&) = default;
  FileLock& operator=(FileLock&&) = default;

  const std::string& path() const { return path_; }

 private:
  FileLock(std::string path, UniqueFd fd)
      : path_(std::move(path)), fd_(std::move(fd)) {}
  static absl::StatusOr<FileLock> Lock(const std::string& path, Mode mode,
                                       bool wait);

  std::string path_;
  UniqueFd fd_;  // Closing the fd drops the lock.
};

}  // namespace crate

#endif  // CRATE_RUNTIME_BASE_FILE_LOCK_H_
