// Idmapped mounts: a detached mount whose owners are seen through a user
// namespace's maps. A privileged runtime makes them on the host before the
// init exists (PrepareIdmappedMount); an unprivileged one leaves them to the
// init, which makes the file system and the user namespace in the
// container's own (see Kernel::OpenFs, Kernel::MakeUserNamespace).
#ifndef CRATE_RUNTIME_LINUX_IDMAP_H_
#define CRATE_RUNTIME_LINUX_IDMAP_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "runtime/base/unique_fd.h"
#include "runtime/linux/plan.h"
#include "runtime/oci/spec.h"

namespace crate::linux {

// A user namespace with these maps ("containerID hostID size" lines, as
// for a container), held by an fd of the ns file of a short-lived child
// that is gone when this returns. The maps are written directly, which
// needs CAP_SETUID/CAP_SETGID over the caller's own user namespace: root
// on the host, or the init as root of the container's user namespace.
absl::StatusOr<UniqueFd> MakeUserNamespace(
    const std::vector<oci::IdMapping>& uids,
    const std::vector<oci::IdMapping>& gids);

// A new, detached file system mount (fsopen, fsconfig with `source` and
// each of the comma-separated `data` options, fsmount) carrying the mount
// flags of `flags` (MS_RDONLY, MS_NOSUID, ...).
absl::StatusOr<UniqueFd> OpenDetachedFs(const std::string& fstype,
                                        const std::string& source,
                                        unsigned long flags,
                                        const std::string& data);

// mount_setattr(MOUNT_ATTR_IDMAP) on a detached mount, its submounts too
// when `recursive`.
absl::Status SetIdmap(int tree_fd, int userns_fd, bool recursive);

// The runtime's part for an idmapped step: a user namespace with the
// step's maps, a clone of the bind's source (with its submounts for
// "rbind") or a new file system of its type, idmapped.
absl::StatusOr<UniqueFd> PrepareIdmappedMount(const MountStep& m);

}  // namespace crate::linux

#endif  // CRATE_RUNTIME_LINUX_IDMAP_H_
