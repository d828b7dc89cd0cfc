#include "runtime/base/file_lock.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>

#include "absl/strings/str_cat.h"
#include "runtime/base/errno_status.h"

namespace crate {

absl::StatusOr<FileLock> FileLock::Lock(const std::string& path, Mode mode,
                                        bool wait) {
  UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  if (!fd) return ErrnoStatus("open lock", path);
  int op =
      (mode == Mode::kExclusive ? LOCK_EX : LOCK_SH) | (wait ? 0 : LOCK_NB);
  int rc;
  do {
    rc = ::flock(fd.get(), op);
  } while (rc != 0 && errno == EINTR);
  if (rc != 0) {
    if (errno == EWOULDBLOCK) {
      return absl::UnavailableError(
          absl::StrCat("lock ", path, ": held by another process"));
    }
    return ErrnoStatus("flock", path);
  }
  return FileLock(path, std::move(fd));
}

absl::StatusOr<FileLock> FileLock::Acquire(const std::string& path, Mode mode) {
  return Lock(path, mode, /*wait=*/true);
}

absl::StatusOr<FileLock> FileLock::TryAcquire(const std::string& path,
                                              Mode mode) {
  return Lock(path, mode, /*wait=*/false);
}

}  // namespace crate
