// From the spec's linux.resources and cgroupsPath to what runtime/cgroups
// takes. Pure mapping; the spec has already been validated.
#ifndef CRATE_RUNTIME_LINUX_CGROUP_CONFIG_H_
#define CRATE_RUNTIME_LINUX_CGROUP_CONFIG_H_

#include <string>

#include "runtime/cgroups/resources.h"
#include "runtime/oci/spec.h"

namespace crate::linux {

cgroups::Resources ToCgroupResources(const oci::Resources& resources);

// The resources of the spec, with the device rules completed as runc does:
// after the spec's own rules, the default devices (/dev/null, ..., ptmx,
// pts), the spec's linux.devices and mknod of anything stay allowed, so a
// "deny all" rule does not lock the container out of its own /dev.
cgroups::Resources CgroupResourcesFor(const oci::Spec& spec);

// linux.cgroupsPath, or "/<id>" as runc uses for the cgroupfs driver.
std::string CgroupPathFor(const oci::Spec& spec, const std::string& id);

}  // namespace crate::linux

#endif  // CRATE_RUNTIME_LINUX_CGROUP_CONFIG_H_
