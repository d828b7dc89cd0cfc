// ContainerOps through runtime/linux: the container the shim creates is the
// one `crate-runtime --root <root> ... <id>` sees, so crate-runtime's
// state, kill and delete --force work on it too (and clear it after the
// shim died).
#ifndef CRATE_RUNTIME_SHIM_LINUX_CONTAINER_OPS_H_
#define CRATE_RUNTIME_SHIM_LINUX_CONTAINER_OPS_H_

#include <memory>
#include <string>

#include "runtime/shim/container_ops.h"

namespace crate::shim {

std::unique_ptr<ContainerOps> LinuxContainerOps(std::string root,
                                                std::string id,
                                                std::string bundle);

}  // namespace crate::shim

#endif  // CRATE_RUNTIME_SHIM_LINUX_CONTAINER_OPS_H_
