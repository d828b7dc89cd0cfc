// The container's mounts, as docker makes them: the standard file systems
// (/proc, /dev, /dev/pts, /dev/shm, /dev/mqueue, /sys, the cgroup tree),
// then the user's binds, volumes and tmpfs mounts, which replace a
// standard mount at the same place.
#ifndef CRATE_RUNTIME_CONTAINER_MOUNTS_H_
#define CRATE_RUNTIME_CONTAINER_MOUNTS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "runtime/container/options.h"
#include "runtime/oci/spec.h"

namespace crate::container {

inline constexpr int64_t kDefaultShmSize = 64 << 20;

struct StandardMountSettings {
  int64_t shm_size = kDefaultShmSize;
  bool ipc_host = false;    // /dev/shm is the host's, bound
  bool privileged = false;  // /sys and the cgroup tree writable
};

std::vector<oci::Mount> StandardMounts(const StandardMountSettings& settings);

// The user's mounts in the spec's terms, parents before children.
// Destinations must be absolute and not "/", two mounts may not share one
// (after cleaning), bind sources must be absolute host paths, propagation
// one of [r]private, [r]shared, [r]slave, tmpfs options valid. Errors are
// kInvalidArgument and name the option: "--volume /srv:/data: ...",
// "--tmpfs /run: ...".
absl::StatusOr<std::vector<oci::Mount>> UserMounts(
    const std::vector<Mount>& mounts);

// `standard` less those at a user mount's destination (and everything
// under /dev when the user mounts /dev), then `user`.
std::vector<oci::Mount> MergeMounts(const std::vector<oci::Mount>& standard,
                                    const std::vector<oci::Mount>& user);

// The rootfs propagation the user's mounts need: "rshared" if one is
// shared, else "rslave" if one is a slave, else "" (the runtime's default).
std::string RootfsPropagation(const std::vector<Mount>& mounts);

// The image's VOLUMEs no user mount covers: the caller makes an anonymous
// volume for each and passes it back as a kVolume mount, as docker does.
std::vector<std::string> UncoveredImageVolumes(
    const ImageConfig& image, const std::vector<Mount>& mounts);

// Checks a --tmpfs option list ("size=64m,mode=1777,noexec") against what
// the kernel's tmpfs takes; `what` starts the error.
absl::Status CheckTmpfsOptions(absl::string_view what,
                               absl::string_view options);

}  // namespace crate::container

#endif  // CRATE_RUNTIME_CONTAINER_MOUNTS_H_
