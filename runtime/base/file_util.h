// File helpers that report errors with the path and operation, and write
// state atomically: a reader sees either the old or the new content, never a
// torn file, even across a crash.
#ifndef CRATE_RUNTIME_BASE_FILE_UTIL_H_
#define CRATE_RUNTIME_BASE_FILE_UTIL_H_

#include <sys/types.h>

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace crate {

// write(2) until all of `data` is written, retrying on EINTR; errors name
// `path` (the file behind `fd`).
absl::Status WriteAll(int fd, absl::string_view data, const std::string& path);

// Reads a whole file. Refuses files larger than `max_size` bytes.
absl::StatusOr<std::string> ReadFile(const std::string& path,
                                     size_t max_size = 64 << 20);

// Writes `data` to a temporary file beside `path`, fsyncs it, renames it over
// `path` and fsyncs the directory.
absl::Status WriteFileAtomic(const std::string& path, absl::string_view data,
                             mode_t mode = 0644);

// Writes to an existing file without creating or truncating it (for /proc,
// /sys and cgroupfs, where a short write is an error).
absl::Status WriteExistingFile(const std::string& path, absl::string_view data);

// mkdir -p. Existing directories are fine; an existing non-directory is not.
absl::Status MakeDirs(const std::string& path, mode_t mode = 0755);

// rm -rf that does not cross into other file systems (a mount inside the
// tree is an error rather than something to empty). Missing path is OK.
absl::Status RemoveTree(const std::string& path);

// Whether a path exists (lstat succeeds).
bool PathExists(const std::string& path);

// Entries of a directory, without "." and "..", unsorted.
absl::StatusOr<std::vector<std::string>> ListDir(const std::string& path);

// Joins two path pieces with exactly one '/' between them.
std::string JoinPath(absl::string_view a, absl::string_view b);

// A fresh private directory under $TMPDIR (or /tmp) named prefix.XXXXXX.
absl::StatusOr<std::string> MakeTempDir(absl::string_view prefix);

}  // namespace crate

#endif  // CRATE_RUNTIME_BASE_FILE_UTIL_H_
