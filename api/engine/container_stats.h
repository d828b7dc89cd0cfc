// docker stats' numbers from a container's cgroup counters and the host's:
// raw counters only (CPU time, bytes), so that the client computes rates
// over whatever interval it samples at.
#ifndef CRATE_API_ENGINE_CONTAINER_STATS_H_
#define CRATE_API_ENGINE_CONTAINER_STATS_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "runtime/cgroups/cgroup.h"

namespace crate::engine {

struct ContainerStats {
  std::string id;
  std::string name;
  bool running = false;  // else the counters are 0
  uint64_t cpu_usage_ns = 0;
  uint64_t system_cpu_ns = 0;  // the host's, every CPU
  uint32_t online_cpus = 0;
  uint64_t memory_usage = 0;  // without inactive page cache, as docker
  uint64_t memory_limit = 0;  // the host's memory when unlimited
  uint64_t pids = 0;
  uint64_t block_read = 0;
  uint64_t block_write = 0;
  absl::Time read_at = absl::InfinitePast();
};

// The host's CPU time, from /proc/stat's "cpu" line (user through steal,
// in USER_HZ ticks), in nanoseconds: docker's system_cpu_usage.
absl::StatusOr<uint64_t> SystemCpuNanos(absl::string_view proc_stat,
                                        int64_t ticks_per_second);

// The container's part of `out` from its cgroup's counters.
void FillFromCgroup(const cgroups::Stats& cg, uint64_t host_memory,
                    ContainerStats* out);

// The host's side: system CPU time, online CPUs, read now.
absl::Status FillHostCpu(ContainerStats* out);

}  // namespace crate::engine

#endif  // CRATE_API_ENGINE_CONTAINER_STATS_H_
