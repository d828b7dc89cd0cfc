// One directory per container under the runtime's root (--root), holding
// its state record (written atomically), the exec FIFO and a lock file that
// serialises the commands acting on the container.
#ifndef CRATE_RUNTIME_LINUX_STATE_DIR_H_
#define CRATE_RUNTIME_LINUX_STATE_DIR_H_

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/optional.h"
#include "runtime/base/file_lock.h"
#include "runtime/oci/spec.h"
#include "runtime/oci/state.h"
#include "runtime/resctrl/resctrl.h"

namespace crate::linux {

// What the runtime remembers of a container beyond the OCI state.
struct ContainerRecord {
  oci::State state;
  // /proc/<pid>/stat start time of the init, so that a recycled pid is not
  // taken for the container.
  uint64_t init_start_time = 0;
  std::string created;  // RFC 3339, UTC.
  std::string rootfs;
  std::string cgroup_path;
  // --systemd-cgroup: the transient scope holding the cgroup, and whether
  // the user's service manager (not the system's) made it.
  std::string systemd_unit;
  bool systemd_user = false;
  uid_t owner = 0;
  // Hooks run by later commands (start, delete).
  std::vector<oci::Hook> poststart;
  std::vector<oci::Hook> poststop;
  // The resctrl groups of linux.intelRdt: joined by exec'd processes,
  // removed (what the container made of them) by delete.
  absl::optional<resctrl::Membership> intel_rdt;
};

std::string RecordToJson(const ContainerRecord& record);
absl::StatusOr<ContainerRecord> ParseRecord(absl::string_view json);

class ContainerDir {
 public:
  // Makes <root>/<id> (and root, mode 0700). Fails with kAlreadyExists if a
  // container of that name exists.
  static absl::StatusOr<ContainerDir> Create(const std::string& root,
                                             const std::string& id);
  // Opens and locks an existing container; kNotFound if there is none.
  static absl::StatusOr<ContainerDir> Open(const std::string& root,
                                           const std::string& id);

  const std::string& path() const { return path_; }
  const std::string& id() const { return id_; }
  // The record's file (state.json), replaced whole by every Save.
  std::string record_path() const;

  absl::Status Save(const ContainerRecord& record) const;
  absl::StatusOr<ContainerRecord> Load() const;
  // Removes the whole directory. The object must not be used afterwards.
  absl::Status Remove();

 private:
  ContainerDir(std::string path, std::string id, FileLock lock)
      : path_(std::move(path)), id_(std::move(id)), lock_(std::move(lock)) {}

  std::string path_;
  std::string id_;
  FileLock lock_;
};

// Atomic replacement (temporary file + rename) without fsync: container
// state lives on a tmpfs (/run) and means nothing after a reboot, while an
// fsync costs milliseconds on every start where it is a disk.
absl::Status WriteStateFile(const std::string& path, absl::string_view data,
                            mode_t mode);

// IDs of the containers under `root`, sorted. A missing root is empty.
absl::StatusOr<std::vector<std::string>> ListContainerIds(
    const std::string& root);

// Where compiled seccomp programs are kept (security/seccomp_cache.h):
// <root>/@seccomp-cache. '@' is not allowed in a container ID, so no
// container can have that name and ListContainerIds never takes it for one.
std::string SeccompCacheDir(const std::string& root);

// The start time field of /proc/<pid>/stat; 0 if the process is gone.
uint64_t ProcessStartTime(pid_t pid);

// Whether `pid` lives (a zombie does not) and, with a recorded
// `start_time` (not 0), is still the process that started then.
bool InitAlive(pid_t pid, uint64_t start_time);

// runc's rule: the init gone (or a zombie, or a new process with its pid)
// means stopped; a record still saying creating (its create has not
// finished, or died) means creating; the exec FIFO still there means
// created; else running.
oci::ContainerStatus CurrentStatus(const ContainerRecord& record,
                                   const std::string& dir);

// Waits until CurrentStatus says stopped, up to `timeout_ms`; whether it
// did.
bool WaitStopped(const ContainerRecord& record, const std::string& dir,
                 int timeout_ms);

// Current time as RFC 3339 with nanoseconds, UTC.
std::string NowRfc3339();

}  // namespace crate::linux

#endif  // CRATE_RUNTIME_LINUX_STATE_DIR_H_
