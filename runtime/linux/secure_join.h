// Resolves a path inside a container root the way the container will see
// it: symlinks are followed, but absolute links and ".." are taken relative
// to the root and can never lead out of it. Used for every mount target and
// device node, so a hostile rootfs cannot make the runtime write to the host.
#ifndef CRATE_RUNTIME_LINUX_SECURE_JOIN_H_
#define CRATE_RUNTIME_LINUX_SECURE_JOIN_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "runtime/base/unique_fd.h"

namespace crate::linux {

// `root` is a host path; `unsafe_path` is taken as if the process were
// chrooted there. Missing components are fine (they are joined literally).
// The result is a host path beneath `root`.
absl::StatusOr<std::string> SecureJoin(const std::string& root,
                                       absl::string_view unsafe_path);

// Same, then creates the missing directories of the result (mkdir -p).
absl::StatusOr<std::string> SecureMkdirAll(const std::string& root,
                                           absl::string_view unsafe_path,
                                           mode_t mode = 0755);

// Opens (O_PATH) `host_path`, a path beneath `root` such as SecureJoin
// returns, resolving it again inside `root` (openat2 RESOLVE_IN_ROOT |
// RESOLVE_NO_MAGICLINKS): a component swapped for a symlink after
// SecureJoin still cannot lead out. Mounting onto ProcFdPath(fd) then acts
// on what was opened, whatever the path names by then.
absl::StatusOr<UniqueFd> OpenInRoot(const std::string& root,
                                    const std::string& host_path);

// "/proc/self/fd/<fd>".
std::string ProcFdPath(int fd);

}  // namespace crate::linux

#endif  // CRATE_RUNTIME_LINUX_SECURE_JOIN_H_
