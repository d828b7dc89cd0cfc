// The container operations behind the runc-compatible command line: each
// takes the runtime root and a container ID, locks the container's state
// directory and acts. The command-line front end only parses flags and
// prints.
#ifndef CRATE_RUNTIME_LINUX_CONTAINER_H_
#define CRATE_RUNTIME_LINUX_CONTAINER_H_

#include <sys/types.h>

#include <array>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "runtime/cgroups/cgroup.h"
#include "runtime/linux/state_dir.h"
#include "runtime/oci/spec.h"
#include "runtime/oci/state.h"
#include "runtime/resctrl/resctrl.h"

namespace crate::linux {

struct CreateOptions {
  std::string root;  // --root
  std::string id;
  std::string bundle;  // --bundle; made absolute here.
  std::string pid_file;
  std::string console_socket;
  // Instead of console_socket: an already connected socket (run's own).
  int console_fd = -1;
  // The process's stdin, stdout, stderr; -1 keeps the caller's.
  std::array<int, 3> stdio = {-1, -1, -1};
  bool no_pivot = false;
  bool no_new_keyring = false;
  int preserve_fds = 0;
  // Where resctrl is mounted, for linux.intelRdt (tests use a tree shaped
  // like it).
  std::string resctrl_root = resctrl::kDefaultRoot;
  // The cgroup is a transient systemd scope (--systemd-cgroup):
  // linux.cgroupsPath reads "slice:prefix:name".
  bool systemd_cgroup = false;
  // Called with the init's pid before it runs (cgroups).
  std::function<absl::Status(pid_t, const oci::Spec&)> on_init_created;
  // What the container goes without (an unprivileged user's cgroup), with
  // `explicit_request` set when the configuration asked for it by name.
  std::function<void(const std::string& msg, bool explicit_request)>
      on_degraded;
};

// Reads and validates <bundle>/config.json, makes the state directory and
// the container init, records it. On any error nothing is left behind.
absl::StatusOr<pid_t> Create(const CreateOptions& options);

// Lets a created container's process run. A failing poststart hook does
// not fail the start (the spec says so); its error lands in `warning`.
absl::Status Start(const std::string& root, const std::string& id,
                   std::string* warning = nullptr);

// The OCI state with the status as it is now.
absl::StatusOr<ContainerRecord> GetState(const std::string& root,
                                         const std::string& id);

// "KILL", "SIGKILL", "9". kInvalidArgument names the bad value.
absl::StatusOr<int> ParseSignal(absl::string_view name);

// Signals the init, or with `all` every process of the container's pid
// namespace. A stopped container is an error, as in runc.
absl::Status Kill(const std::string& root, const std::string& id, int signal,
                  bool all);

// Removes a stopped (or never started) container; `force` kills a running
// one first. A missing container is an error unless `force`. Poststop hook
// failures are warnings, as for Start.
absl::Status Delete(const std::string& root, const std::string& id, bool force,
                    std::string* warning = nullptr);

struct ExecOptions {
  std::string root;
  std::string id;
  // The process: a runtime-spec process document (--process), else the
  // container's own process with the overrides below.
  std::string process_json;
  std::vector<std::string> args;
  std::vector<std::string> env;  // Added to (and overriding) the config's.
  std::string cwd;
  absl::optional<uid_t> uid;
  absl::optional<gid_t> gid;
  std::vector<gid_t> additional_gids;
  absl::optional<bool> tty;
  std::vector<std::string> add_caps;  // "CAP_NET_ADMIN"
  bool no_new_privs = false;
  std::string pid_file;
  std::string console_socket;
  int console_fd = -1;
  std::array<int, 3> stdio = {-1, -1, -1};
  int preserve_fds = 0;
  // runc's --apparmor and --process-label: override the process's.
  std::string apparmor_profile;
  std::string process_label;
  // Told what of the process this host ignores (an LSM label it lacks).
  std::function<void(const std::string&)> on_warning;
};

// Starts a process in a running container; returns its pid.
absl::StatusOr<pid_t> Exec(const ExecOptions& options);

// Changes the limits of a running container's cgroup; only what is set
// in `resources` is written.
absl::Status Update(const std::string& root, const std::string& id,
                    const oci::Resources& resources);

// runc's update --l3-cache-schema / --mem-bw-schema: writes the schemata of
// the container's resctrl group (shared with others when named by closID).
// A container created without linux.intelRdt is refused.
absl::Status UpdateIntelRdt(const std::string& root, const std::string& id,
                            const std::string& l3_cache_schema,
                            const std::string& mem_bw_schema);

// What the container's resctrl group accounts, or nullopt when it has none.
absl::StatusOr<absl::optional<resctrl::Stats>> IntelRdtStats(
    const std::string& root, const std::string& id);

// What the container's cgroup accounts (for `events`).
// The container cgroup's OOM notification (see cgroups::Cgroup::WatchOom).
absl::StatusOr<cgroups::OomWatch> WatchOom(const std::string& root,
                                           const std::string& id);

absl::StatusOr<cgroups::Stats> Stats(const std::string& root,
                                     const std::string& id);

// Freezes / thaws every process of the container through its cgroup.
absl::Status Pause(const std::string& root, const std::string& id);
absl::Status Resume(const std::string& root, const std::string& id);

// Host pids of the container's processes, sorted.
absl::StatusOr<std::vector<pid_t>> Pids(const std::string& root,
                                        const std::string& id);

// Every container under root, with its current status.
absl::StatusOr<std::vector<ContainerRecord>> List(const std::string& root);

// Writes the pid file atomically (runc writes it the same way).
absl::Status WritePidFile(const std::string& path, pid_t pid);

}  // namespace crate::linux

#endif  // CRATE_RUNTIME_LINUX_CONTAINER_H_
