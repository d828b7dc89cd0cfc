#include "api/engine/dir_lock.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "absl/strings/str_cat.h"
#include "runtime/base/errno_status.h"

namespace crate::engine {

absl::StatusOr<DirLock> DirLock::Lock(const std::string& dir, Mode mode,
                                      bool wait) {
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd) return ErrnoStatus("open", dir);
  int op =
      (mode == Mode::kExclusive ? LOCK_EX : LOCK_SH) | (wait ? 0 : LOCK_NB);
  int rc;
  do {
    rc = ::flock(fd.get(), op);
  } while (rc != 0 && errno == EINTR);
  if (rc != 0) {
    if (errno == EWOULDBLOCK) {
      return absl::UnavailableError(
          absl::StrCat("lock ", dir, ": held by another process"));
    }
    return ErrnoStatus("flock", dir);
  }
  // The directory may have been renamed away (removed) while we waited;
  // then what the path names now, if anything, is not what we locked.
  struct stat held, now;
  if (::fstat(fd.get(), &held) != 0) return ErrnoStatus("stat", dir);
  if (::stat(dir.c_str(), &now) != 0) return ErrnoStatus("stat", dir);
  if (held.st_dev != now.st_dev || held.st_ino != now.st_ino) {
    return absl::NotFoundError(
        absl::StrCat(dir, ": removed while waiting for its lock"));
  }
  return DirLock(std::move(fd));
}

absl::StatusOr<DirLock> DirLock::Acquire(const std::string& dir, Mode mode) {
  return Lock(dir, mode, /*wait=*/true);
}

absl::StatusOr<DirLock> DirLock::TryAcquire(const std::string& dir, Mode mode) {
  return Lock(dir, mode, /*wait=*/false);
}

}  // namespace crate::engine
