// create/start in the runc model. Create forks the container init, which
// builds the container from the plan and then blocks opening the exec FIFO
// in the state directory; start opens the FIFO's other end, which lets the
// init drop to the configured user and exec the process.
//
// The parent learns of the init's progress on a sync pipe: "R" when the
// container is created, or "E" and a message when something failed, which
// becomes the error of Create. Nothing is re-executed: the init is a fork of
// the caller.
#ifndef CRATE_RUNTIME_LINUX_LAUNCHER_H_
#define CRATE_RUNTIME_LINUX_LAUNCHER_H_

#include <sys/types.h>

#include <array>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "runtime/linux/plan.h"
#include "runtime/security/seccomp.h"

namespace crate::linux {

inline constexpr char kExecFifoName[] = "exec.fifo";

struct CreateRequest {
  const LaunchPlan* plan = nullptr;
  // Directory holding the container's state; the FIFO is made here.
  std::string state_dir;
  // Runs in the parent once the init exists and before it does anything:
  // the place to move it into its cgroup.
  std::function<absl::Status(pid_t)> on_init_created;
  // With process.terminal: where the pty master goes (connected socket,
  // owned by the caller).
  int console_socket = -1;
  // With plan.hook_sync: runs in the parent while the init waits before
  // pivot_root (prestart and createRuntime hooks); returns the state JSON
  // the init hands to its own hooks.
  std::function<absl::StatusOr<std::string>(pid_t)> before_pivot;
  // Compiled beforehand: the init only loads it.
  const security::SeccompProgram* seccomp = nullptr;
  // Name of a fresh kernel keyring the init joins (runc's default); empty
  // keeps the caller's (--no-new-keyring).
  std::string keyring_name;
  // Extra fds (3 .. 3+preserve_fds-1) the process inherits.
  int preserve_fds = 0;
  // The process's stdin, stdout and stderr; -1 keeps the caller's (a shim
  // passes its pipes here).
  std::array<int, 3> stdio = {-1, -1, -1};
  // Cgroups the init joins by itself instead of through on_init_created
  // (see cgroups::Cgroup::SelfJoin): it writes "0" to each v1 tasks file
  // (opened here, before any namespace is joined) once told to go, and is
  // cloned into the v2 directory.
  std::vector<std::string> join_tasks_files;
  std::string clone_into_cgroup;
};

// Returns the init's pid (in the caller's pid namespace) once the container
// is created. On error the init is gone and the FIFO removed.
absl::StatusOr<pid_t> CreateContainer(const CreateRequest& request);

// Releases a created container: opens the FIFO, waits until the init has
// passed it (or died), removes the FIFO.
absl::Status StartContainer(const std::string& state_dir, pid_t pid);

// A further process in a running container (`exec`): joins the init's
// namespaces, applies the process settings and execs, without a FIFO.
struct ExecRequest {
  const ProcessPlan* process = nullptr;
  // Namespaces of the container to enter (user first, mount last).
  std::vector<NamespaceJoin> joins;
  const security::SeccompProgram* seccomp = nullptr;
  int console_socket = -1;
  int preserve_fds = 0;
  std::array<int, 3> stdio = {-1, -1, -1};  // as in CreateRequest
  // Runs in the parent before the process does anything.
  std::function<absl::Status(pid_t)> on_created;
  // The container's cgroups, which the process joins by itself as in
  // CreateRequest (root only; otherwise on_created moves it).
  std::vector<std::string> join_tasks_files;
  std::string clone_into_cgroup;
};

// Returns the process's pid once it has exec'd (or the error that stopped
// it). The process is a grandchild: the caller becomes its parent only as
// a child subreaper (PR_SET_CHILD_SUBREAPER).
absl::StatusOr<pid_t> ExecInContainer(const ExecRequest& request);

// Whether the FIFO is still there, i.e. the container was never started.
bool ExecFifoExists(const std::string& state_dir);

// In a new process: makes stdio[i] its fd i (those that are not -1).
void InstallStdio(const std::array<int, 3>& stdio);

// Writes uid_map/gid_map of `pid`. A caller that is not root writes a map
// holding only its own ID directly (setgroups "deny" first for gid_map, which
// the kernel then demands) and any other map through newuidmap/newgidmap.
absl::Status WriteIdMappings(pid_t pid, const LaunchPlan& plan);

// Whether an unprivileged caller with `own_id` needs newuidmap/newgidmap for
// `maps`: anything but a single mapping of size 1 onto its own ID.
bool NeedsIdMapHelper(const std::vector<oci::IdMapping>& maps, unsigned own_id);

// Runs `program` (newuidmap or newgidmap) as `program PID C H S ...`; the
// error names the command line and carries the program's output.
absl::Status RunIdMapHelper(const std::string& program, pid_t pid,
                            const std::vector<oci::IdMapping>& maps);

}  // namespace crate::linux

#endif  // CRATE_RUNTIME_LINUX_LAUNCHER_H_
