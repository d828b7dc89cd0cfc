// Limits by docker's rules: --memory, --memory-swap, --cpus, --cpu-shares,
// --pids-limit into linux.resources, and --ulimit into process.rlimits.
#ifndef CRATE_RUNTIME_CONTAINER_RESOURCES_H_
#define CRATE_RUNTIME_CONTAINER_RESOURCES_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "runtime/container/options.h"
#include "runtime/oci/spec.h"

namespace crate::container {

// Docker's floor: below it a container's own runtime does not fit.
inline constexpr int64_t kMinMemory = 6 << 20;
// The CFS period --cpus is expressed in, as docker sets it.
inline constexpr uint64_t kCpuPeriod = 100000;

// The device rule (deny everything but the runtime's standard devices;
// --privileged: allow everything) and the limits that were asked for; a
// memory limit without --memory-swap gets as much swap again, as docker
// gives it. Errors are kInvalidArgument and name the option.
absl::StatusOr<oci::Resources> ContainerResources(const Options& options);

// "nofile=1024:2048", "core=0" (soft[:hard], hard defaulting to soft;
// -1 or "unlimited" for no limit) as RLIMIT_NOFILE, ... in the order given.
absl::StatusOr<std::vector<oci::Rlimit>> ParseUlimits(
    const std::vector<std::string>& ulimits);

}  // namespace crate::container

#endif  // CRATE_RUNTIME_CONTAINER_RESOURCES_H_
