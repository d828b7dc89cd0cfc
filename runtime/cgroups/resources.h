// Resource limits of a cgroup, in the words of the OCI runtime-spec
// (linux.resources) but without depending on the spec model: the launcher
// maps config.json onto these structs. An unset optional means "leave the
// kernel's value alone", as the spec says for absent fields.
#ifndef CRATE_RUNTIME_CGROUPS_RESOURCES_H_
#define CRATE_RUNTIME_CGROUPS_RESOURCES_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/optional.h"

namespace crate {
namespace cgroups {

// Signed where the spec allows -1 ("unlimited"), so that other negative
// values can be refused instead of wrapping around.
struct MemoryResources {
  absl::optional<int64_t> limit;
  absl::optional<int64_t> reservation;
  // Memory plus swap, as in the spec and cgroup v1 memsw.
  absl::optional<int64_t> swap;
  // Deprecated by the kernel (5.4+); accepted and ignored like runc does.
  absl::optional<int64_t> kernel;
  absl::optional<int64_t> kernel_tcp;
  absl::optional<int64_t> swappiness;
  absl::optional<bool> disable_oom_killer;
};

struct CpuResources {
  absl::optional<int64_t> shares;
  absl::optional<int64_t> quota;  // -1: unlimited.
  absl::optional<int64_t> period;
  absl::optional<int64_t> realtime_runtime;
  absl::optional<int64_t> realtime_period;
  std::string cpus;  // "0-3,7"; empty: unset.
  std::string mems;  // Same syntax.
  absl::optional<int64_t> idle;
};

struct PidsResources {
  // > 0: the limit; <= 0 ("-1" in the spec): unlimited.
  int64_t limit = 0;
};

struct WeightDevice {
  int64_t major = 0;
  int64_t minor = 0;
  absl::optional<int64_t> weight;
  absl::optional<int64_t> leaf_weight;
};

struct ThrottleDevice {
  int64_t major = 0;
  int64_t minor = 0;
  int64_t rate = 0;
};

struct BlockIoResources {
  absl::optional<int64_t> weight;  // 10..1000.
  absl::optional<int64_t> leaf_weight;
  std::vector<WeightDevice> weight_device;
  std::vector<ThrottleDevice> throttle_read_bps_device;
  std::vector<ThrottleDevice> throttle_write_bps_device;
  std::vector<ThrottleDevice> throttle_read_iops_device;
  std::vector<ThrottleDevice> throttle_write_iops_device;
};

struct HugepageLimit {
  std::string page_size;  // "2MB", "1GB", "64KB".
  int64_t limit = 0;
};

struct DeviceRule {
  bool allow = false;
  std::string type = "a";         // "a", "b" or "c".
  absl::optional<int64_t> major;  // Unset: any ("*").
  absl::optional<int64_t> minor;
  std::string access = "rwm";  // Subset of "rwm".
};

struct RdmaLimit {
  absl::optional<int64_t> hca_handles;
  absl::optional<int64_t> hca_objects;
};

struct NetworkResources {
  absl::optional<int64_t> class_id;
  std::map<std::string, int64_t> priorities;  // Interface -> priority.
};

struct Resources {
  absl::optional<MemoryResources> memory;
  absl::optional<CpuResources> cpu;
  absl::optional<PidsResources> pids;
  absl::optional<BlockIoResources> block_io;
  std::vector<HugepageLimit> hugepage_limits;
  std::vector<DeviceRule> devices;
  std::map<std::string, RdmaLimit> rdma;  // HCA device name -> limits.
  absl::optional<NetworkResources> network;
  // cgroup v2 file name -> value, written as is.
  std::map<std::string, std::string> unified;
};

// Refuses values no kernel would accept, naming the field and the value, so
// that nothing is written for a configuration that cannot work.
absl::Status ValidateResources(const Resources& resources);

// Checks a cpuset list ("0-3,8,10-11"). Returns the highest number in it.
absl::StatusOr<int> ParseCpuList(absl::string_view list);

// cgroup v2 cpu.weight from v1 cpu.shares, as runc and crun compute it.
uint64_t SharesToWeight(uint64_t shares);

// cgroup v2 io.weight (1..10000) from v1 blkio.weight (10..1000).
uint64_t BlkioWeightToIoWeight(uint64_t weight);

}  // namespace cgroups
}  // namespace crate

#endif  // CRATE_RUNTIME_CGROUPS_RESOURCES_H_
