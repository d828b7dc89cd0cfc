// The cgroup of one container, behind one interface with a v1 and a v2
// backend (crun's shape: a front that picks a backend from a table). Every
// backend works below a root directory it is given ("/sys/fs/cgroup" on a
// host), so tests can point it at a temporary tree.
//
// Typical use by the launcher:
//   cgroups::Options options;
//   options.path = "/crate/" + id;           // linux.cgroupsPath
//   ASSIGN_OR_RETURN(auto cg, cgroups::OpenCgroup(options));
//   RETURN_IF_ERROR(cg->Create());
//   RETURN_IF_ERROR(cg->Apply(resources));   // validated before any write
//   RETURN_IF_ERROR(cg->AddPid(child_pid));
//   ... later: cg->Freeze(), cg->Pids(), cg->Kill(SIGKILL), cg->Destroy(true)
#ifndef CRATE_RUNTIME_CGROUPS_CGROUP_H_
#define CRATE_RUNTIME_CGROUPS_CGROUP_H_

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/optional.h"
#include "runtime/base/unique_fd.h"
#include "runtime/cgroups/plan.h"
#include "runtime/cgroups/resources.h"

namespace crate {
namespace cgroups {

inline constexpr char kDefaultRoot[] = "/sys/fs/cgroup";

enum class Mode {
  kV1,      // Only v1 controllers.
  kHybrid,  // v1 controllers plus a cgroup2 at <root>/unified (runc's
            // "hybrid"): handled as v1, with the unified part joined too.
  kV2,      // cgroup2 at the root.
};

absl::string_view ModeName(Mode mode);

// Looks at the file system types of `root` and `root`/unified.
absl::StatusOr<Mode> DetectMode(const std::string& root = kDefaultRoot);

struct Options {
  std::string root = kDefaultRoot;
  // The spec's linux.cgroupsPath, below the root of every hierarchy
  // ("/crate/abc" and "crate/abc" are the same). Must not contain "..".
  std::string path;
  // Detected from `root` when unset; tests on a temporary tree set it.
  absl::optional<Mode> mode;
};

enum class FreezerState { kThawed, kFreezing, kFrozen };

absl::string_view FreezerStateName(FreezerState state);

// What the cgroup accounts; unset where the controller is absent.
struct Stats {
  absl::optional<uint64_t> memory_usage;      // Bytes.
  absl::optional<uint64_t> memory_max_usage;  // Bytes, peak.
  absl::optional<uint64_t> memory_limit;      // Bytes; max: UINT64_MAX.
  absl::optional<uint64_t> pids_current;
  absl::optional<uint64_t> pids_limit;  // max: UINT64_MAX.
  absl::optional<uint64_t> cpu_usage_ns;
  // Processes the OOM killer took in this cgroup (v1 memory.oom_control,
  // v2 memory.events "oom_kill").
  absl::optional<uint64_t> oom_kills;
  // Page cache the kernel can drop at once (v1 memory.stat
  // total_inactive_file, v2 inactive_file): docker's usage leaves it out.
  absl::optional<uint64_t> memory_inactive_file;
  // Bytes read from and written to block devices (v1 blkio
  // io_service_bytes_recursive, v2 io.stat rbytes/wbytes).
  absl::optional<uint64_t> block_read_bytes;
  absl::optional<uint64_t> block_write_bytes;
};

// The sums of a v1 blkio "MAJ:MIN Read|Write|... N" file (reads, writes).
std::pair<uint64_t, uint64_t> SumBlkioBytes(absl::string_view text);
// The sums of a v2 io.stat ("MAJ:MIN rbytes=N wbytes=N ...").
std::pair<uint64_t, uint64_t> SumIoStatBytes(absl::string_view text);

struct OomWatch {
  UniqueFd event;
  UniqueFd control;
  // The watched directory: the eventfd also fires when it is removed, and
  // by then it is gone.
  std::string dir;
  // v2: `event` is an inotify descriptor on memory.events, readable when
  // any of its counters changed (or the cgroup was removed); the caller
  // drains it and compares Stats::oom_kills. Otherwise (v1) each readable
  // eventfd count is one OOM.
  bool counters_changed = false;
};

class Cgroup {
 public:
  virtual ~Cgroup() = default;

  virtual Mode mode() const = 0;
  const std::string& root() const { return root_; }
  const std::string& path() const { return path_; }

  // Makes the cgroup (in every mounted v1 controller; in v2 after enabling
  // the controllers in the parents' cgroup.subtree_control). Existing
  // directories are fine, so a half-created cgroup can be created again.
  virtual absl::Status Create() = 0;

  // The writes that Apply would make, without making them.
  virtual absl::StatusOr<Plan> PlanResources(const Resources& r) const = 0;

  // Validates, plans, then writes; an invalid value writes nothing. Update
  // is the same operation: only the fields that are set are written.
  virtual absl::Status Apply(const Resources& r);
  absl::Status Update(const Resources& r) { return Apply(r); }

  // Moves a process into the cgroup (cgroup.procs).
  virtual absl::Status AddPid(pid_t pid) = 0;

  // How a new single-threaded process can join without AddPid from its
  // parent. Moving another process takes the kernel's global threadgroup
  // lock, whose write side waits for an RCU grace period (5-10 ms on an
  // idle host); a thread writing "0" to a v1 "tasks" file skips that lock,
  // and clone3(CLONE_INTO_CGROUP) places a child in a v2 cgroup at birth.
  struct SelfJoin {
    std::vector<std::string> tasks_files;  // v1: write "0" from the process.
    std::string clone_into_dir;            // v2: clone3 CLONE_INTO_CGROUP.
  };
  virtual SelfJoin SelfJoinPaths() const { return {}; }

  // Processes in the cgroup and in its sub-cgroups, sorted.
  virtual absl::StatusOr<std::vector<pid_t>> Pids() const = 0;

  virtual absl::StatusOr<Stats> ReadStats() const = 0;
  // A descriptor that becomes readable when the cgroup is out of memory:
  // on v1 an eventfd (memory.oom_control through cgroup.event_control),
  // with the control file it watches, which must stay open as long; on v2
  // an inotify watch of memory.events, as runc has (see
  // OomWatch::counters_changed).
  virtual absl::StatusOr<OomWatch> WatchOom() const {
    return absl::UnimplementedError("no OOM notification for this cgroup");
  }

  // Freezes every process and waits until the kernel says it is done.
  virtual absl::Status Freeze(absl::Duration timeout = absl::Seconds(5)) = 0;
  virtual absl::Status Thaw(absl::Duration timeout = absl::Seconds(5)) = 0;
  virtual absl::StatusOr<FreezerState> GetFreezerState() const = 0;

  // Sends `signal` to every process, frozen first so that none escapes by
  // forking (kill --all, and SIGKILL before a forced Destroy).
  virtual absl::Status Kill(int signal) = 0;

  // Removes the cgroup directories (sub-cgroups first) and any parents this
  // object created. Busy directories are retried briefly; with `force`,
  // remaining processes are killed first. Missing directories are fine.
  virtual absl::Status Destroy(bool force) = 0;

  // Whether the cgroup's directory exists (in v1: in any controller).
  virtual bool Exists() const = 0;

 protected:
  Cgroup(std::string root, std::string path)
      : root_(std::move(root)), path_(std::move(path)) {}

  std::string root_;
  std::string path_;  // Normalised: no leading or trailing '/'.
};

// The front: detects the mode if needed and hands out the backend for it.
absl::StatusOr<std::unique_ptr<Cgroup>> OpenCgroup(const Options& options);

// Normalises a cgroupsPath: strips the leading '/', refuses ".." and empty.
absl::StatusOr<std::string> NormalizeCgroupPath(absl::string_view path);

}  // namespace cgroups
}  // namespace crate

#endif  // CRATE_RUNTIME_CGROUPS_CGROUP_H_
