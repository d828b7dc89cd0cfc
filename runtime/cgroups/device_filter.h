// Device access rules for cgroup v2, which has no devices.allow/deny files:
// an eBPF program of type BPF_PROG_TYPE_CGROUP_DEVICE, attached to the
// cgroup, answers each access. The rules keep their v1 meaning: later rules
// override earlier ones, and a device no rule mentions is allowed (a v1
// cgroup inherits the root's "a *:* rwm"), so configs start with a deny-all.
#ifndef CRATE_RUNTIME_CGROUPS_DEVICE_FILTER_H_
#define CRATE_RUNTIME_CGROUPS_DEVICE_FILTER_H_

#include <linux/bpf.h>

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "runtime/base/unique_fd.h"
#include "runtime/cgroups/resources.h"

namespace crate {
namespace cgroups {

// The program for `rules` (validated), without loading it.
std::vector<struct bpf_insn> BuildDeviceProgram(
    const std::vector<DeviceRule>& rules);

// Loads a program built above into the kernel; the verifier's log is part
// of the error if it refuses.
absl::StatusOr<UniqueFd> LoadDeviceProgram(
    const std::vector<struct bpf_insn>& program);

// Builds, loads and attaches the program to the cgroup2 directory
// `cgroup_dir`, then detaches the programs attached there before, so that an
// update replaces the rules instead of adding to them.
absl::Status AttachDeviceFilter(const std::string& cgroup_dir,
                                const std::vector<DeviceRule>& rules);

}  // namespace cgroups
}  // namespace crate

#endif  // CRATE_RUNTIME_CGROUPS_DEVICE_FILTER_H_
