// Carries out the file-system part of a LaunchPlan inside the container's
// new mount namespace. Runs in the container init, before it is "created".
#ifndef CRATE_RUNTIME_LINUX_ROOTFS_H_
#define CRATE_RUNTIME_LINUX_ROOTFS_H_

#include <vector>

#include "absl/status/status.h"
#include "runtime/linux/kernel.h"
#include "runtime/linux/plan.h"

namespace crate::linux {

// Propagation of "/", the bind of the rootfs onto itself, every mount,
// devices and symlinks, and the process's cwd. Paths are still host paths.
absl::Status PrepareRootfs(const LaunchPlan& plan,
                           Kernel& kernel = RealKernel());
// The same, with `idmapped_fds[i]` the detached tree (OpenIdmappedTree) to
// move onto plan.mounts[i] when that step is an idmapped bind.
absl::Status PrepareRootfs(const LaunchPlan& plan,
                           const std::vector<int>& idmapped_fds,
                           Kernel& kernel = RealKernel());

// pivot_root into the rootfs (or MS_MOVE + chroot with no_pivot, or a plain
// chroot without a mount namespace), leaving the host's tree behind.
absl::Status EnterRootfs(const LaunchPlan& plan, Kernel& kernel = RealKernel());

// After EnterRootfs: masked and read-only paths, then a read-only root.
absl::Status FinishRootfs(const LaunchPlan& plan,
                          Kernel& kernel = RealKernel());

// Hostname, domain name and sysctls (needs the container's /proc).
absl::Status ApplyIdentity(const LaunchPlan& plan,
                           Kernel& kernel = RealKernel());

}  // namespace crate::linux

#endif  // CRATE_RUNTIME_LINUX_ROOTFS_H_
