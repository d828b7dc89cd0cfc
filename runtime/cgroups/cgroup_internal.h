// Pieces the v1 and v2 backends share. Not part of the public interface.
#ifndef CRATE_RUNTIME_CGROUPS_CGROUP_INTERNAL_H_
#define CRATE_RUNTIME_CGROUPS_CGROUP_INTERNAL_H_

#include <sys/types.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "runtime/cgroups/cgroup.h"

namespace crate {
namespace cgroups {
namespace internal {

std::unique_ptr<Cgroup> NewV1Cgroup(std::string root, std::string path,
                                    bool hybrid);
std::unique_ptr<Cgroup> NewV2Cgroup(std::string root, std::string path);

// File content without surrounding whitespace.
absl::StatusOr<std::string> ReadTrimmed(const std::string& path);

// A number, or UINT64_MAX for "max"; `key` picks a "key value" line.
absl::StatusOr<uint64_t> ReadUint64(const std::string& path);
absl::StatusOr<uint64_t> ReadKeyedUint64(const std::string& path,
                                         absl::string_view key);

// cgroup.procs of `dir` and of every directory below it, appended.
absl::Status CollectPids(const std::string& dir, std::vector<pid_t>* pids);

// Sorts and deduplicates.
void SortPids(std::vector<pid_t>* pids);

// Signals each pid; processes that exited meanwhile are not an error.
absl::Status SignalPids(const std::vector<pid_t>& pids, int signal);

// rmdir of `dir` and of the cgroups below it, deepest first; EBUSY is
// retried until `busy_timeout`. A missing `dir` is fine.
absl::Status RemoveCgroupDir(const std::string& dir,
                             absl::Duration busy_timeout);

// mkdir of each component of `path` below `base`; directories made are
// appended to `created` (full paths, outermost first). `before_mkdir` runs on
// each parent before its child is looked at (v2 enables controllers there),
// `after_mkdir` on each (parent, new or existing directory) (v1 cpuset).
absl::Status MakeCgroupDirs(
    const std::string& base, const std::string& path,
    std::vector<std::string>* created,
    const std::function<absl::Status(const std::string&)>& before_mkdir,
    const std::function<absl::Status(const std::string&, const std::string&)>&
        after_mkdir);

// cgroup2: enables in `dir`'s cgroup.subtree_control every controller
// listed in its cgroup.controllers, so that children get them. Missing
// files (a test tree, an old kernel) are skipped.
absl::Status EnableControllers(const std::string& dir);

// Polls `done` with growing sleeps until it returns true or the time is up.
absl::Status WaitFor(const std::function<absl::StatusOr<bool>()>& done,
                     absl::Duration timeout, absl::string_view what);

}  // namespace internal
}  // namespace cgroups
}  // namespace crate

#endif  // CRATE_RUNTIME_CGROUPS_CGROUP_INTERNAL_H_
