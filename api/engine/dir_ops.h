// The directory operations both stores build their atomic steps from.
#ifndef CRATE_API_ENGINE_DIR_OPS_H_
#define CRATE_API_ENGINE_DIR_OPS_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace crate::engine {

// fsync of a directory, so that entries made or renamed in it survive a
// crash of the machine.
absl::Status SyncDir(const std::string& dir);

// rename(2) that fails with kAlreadyExists instead of replacing `to`
// (RENAME_NOREPLACE). On a file system without that flag it falls back to
// rename(2), which also refuses to replace a non-empty directory: callers
// only ever rename directories that hold a record.
absl::Status RenameNoReplace(const std::string& from, const std::string& to);

// Renames `path` to a fresh hidden name `.removing-<random>` in the same
// directory and returns that name, so that the entry disappears at once
// and its contents can be deleted at leisure.
absl::StatusOr<std::string> RenameAway(const std::string& path);

// Bytes in the files under `path` (hard links counted once, directories
// not at all), as docker reports space reclaimed. Stays on one file
// system.
absl::StatusOr<uint64_t> TreeSize(const std::string& path);

}  // namespace crate::engine

#endif  // CRATE_API_ENGINE_DIR_OPS_H_
