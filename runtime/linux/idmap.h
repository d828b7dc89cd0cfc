// Idmapped mounts: a detached clone of a source tree whose owners are seen
// through a user namespace's maps. Made by the runtime on the host before
// the init exists; the init only moves the result into place.
#ifndef CRATE_RUNTIME_LINUX_IDMAP_H_
#define CRATE_RUNTIME_LINUX_IDMAP_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "runtime/base/unique_fd.h"
#include "runtime/oci/spec.h"

namespace crate::linux {

// A user namespace with these maps ("containerID hostID size" lines, as
// for a container), held by an fd of the ns file of a short-lived child
// that is gone when this returns.
absl::StatusOr<UniqueFd> MakeUserNamespace(
    const std::vector<oci::IdMapping>& uids,
    const std::vector<oci::IdMapping>& gids);

// open_tree(source, OPEN_TREE_CLONE), with its submounts when `recursive`,
// then mount_setattr(MOUNT_ATTR_IDMAP) with `userns_fd`.
absl::StatusOr<UniqueFd> OpenIdmappedTree(const std::string& source,
                                          bool recursive, int userns_fd);

}  // namespace crate::linux

#endif  // CRATE_RUNTIME_LINUX_IDMAP_H_
