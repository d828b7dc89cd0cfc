// What container.cc, container_create.cc and container_exec.cc share; not
// part of the library's interface.
#ifndef CRATE_RUNTIME_LINUX_CONTAINER_INTERNAL_H_
#define CRATE_RUNTIME_LINUX_CONTAINER_INTERNAL_H_

#include <cstdint>
#include <memory>

#include "runtime/cgroups/cgroup.h"
#include "runtime/linux/state_dir.h"

namespace crate::linux::internal {

bool HostApparmor();
bool HostSelinux();

// The runtime's own bounding set (all bits if it cannot be read): a
// container's process can have no more.
uint64_t OwnCapabilityBounding();

// The container's cgroup as its record names it, or nullptr if it has
// none (rootless) or it cannot be opened.
std::unique_ptr<cgroups::Cgroup> OpenRecordCgroup(const ContainerRecord& r);

}  // namespace crate::linux::internal

#endif  // CRATE_RUNTIME_LINUX_CONTAINER_INTERNAL_H_
