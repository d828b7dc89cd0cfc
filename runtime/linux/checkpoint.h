// checkpoint and restore of a container with criu (runc's commands): the
// runtime gathers what criu needs (runtime/criu/plan.h decides the command
// line) and, on restore, recreates what create makes: the state directory
// and record, the cgroup, the pid file and the console.
#ifndef CRATE_RUNTIME_LINUX_CHECKPOINT_H_
#define CRATE_RUNTIME_LINUX_CHECKPOINT_H_

#include <sys/types.h>

#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "runtime/criu/plan.h"

namespace crate::linux {

struct CheckpointOptions {
  std::string root;  // --root
  std::string id;
  std::string criu = "criu";  // The binary (global --criu).
  criu::DumpOptions dump;
};

// Dumps a running (or paused) container into dump.image_path. Unless
// leave_running or pre_dump, criu ends the container's processes: its
// state then says "stopped" and `delete` or `restore` may follow.
absl::Status Checkpoint(const CheckpointOptions& options);

struct RestoreOptions {
  std::string root;
  std::string id;
  std::string bundle;
  std::string criu = "criu";
  std::string pid_file;
  std::string console_socket;
  int console_fd = -1;  // Instead of console_socket (restore's own).
  criu::RestoreOptions restore;
  // What the container goes without, as CreateOptions::on_degraded.
  std::function<void(const std::string&)> on_warning;
};

// Restores a checkpoint as container `id` from `bundle` (its config.json
// and rootfs). A stopped container of that name is replaced; a live one is
// an error. Returns the restored init's host pid, a child of the caller.
// On failure nothing is left behind.
absl::StatusOr<pid_t> Restore(const RestoreOptions& options);

}  // namespace crate::linux

#endif  // CRATE_RUNTIME_LINUX_CHECKPOINT_H_
