#include "api/engine/container_stats.h"

#include <unistd.h>

#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "runtime/base/file_util.h"
#include "runtime/base/status_macros.h"

namespace crate::engine {

absl::StatusOr<uint64_t> SystemCpuNanos(absl::string_view proc_stat,
                                        int64_t ticks_per_second) {
  if (ticks_per_second <= 0) {
    return absl::InvalidArgumentError("ticks per second must be positive");
  }
  for (absl::string_view line : absl::StrSplit(proc_stat, '\n')) {
    std::vector<absl::string_view> f =
        absl::StrSplit(line, ' ', absl::SkipEmpty());
    if (f.empty() || f[0] != "cpu") continue;
    // user nice system idle iowait irq softirq steal; guest time is
    // already inside user and nice.
    uint64_t ticks = 0;
    for (size_t i = 1; i < f.size() && i <= 8; ++i) {
      uint64_t v = 0;
      if (!absl::SimpleAtoi(f[i], &v)) {
        return absl::DataLossError(
            absl::StrCat("/proc/stat: \"", f[i], "\" is not a number"));
      }
      ticks += v;
    }
    return ticks * (1000000000ull / static_cast<uint64_t>(ticks_per_second));
  }
  return absl::DataLossError("/proc/stat: no \"cpu\" line");
}

void FillFromCgroup(const cgroups::Stats& cg, uint64_t host_memory,
                    ContainerStats* out) {
  out->cpu_usage_ns = cg.cpu_usage_ns.value_or(0);
  uint64_t usage = cg.memory_usage.value_or(0);
  uint64_t inactive = cg.memory_inactive_file.value_or(0);
  out->memory_usage = inactive < usage ? usage - inactive : usage;
  uint64_t limit = cg.memory_limit.value_or(UINT64_MAX);
  out->memory_limit =
      host_memory > 0 && limit > host_memory ? host_memory : limit;
  out->pids = cg.pids_current.value_or(0);
  out->block_read = cg.block_read_bytes.value_or(0);
  out->block_write = cg.block_write_bytes.value_or(0);
}

absl::Status FillHostCpu(ContainerStats* out) {
  ASSIGN_OR_RETURN(std::string stat, ReadFile("/proc/stat", 1 << 20));
  ASSIGN_OR_RETURN(out->system_cpu_ns,
                   SystemCpuNanos(stat, sysconf(_SC_CLK_TCK)));
  long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  out->online_cpus = cpus > 0 ? static_cast<uint32_t>(cpus) : 1;
  return absl::OkStatus();
}

}  // namespace crate::engine
