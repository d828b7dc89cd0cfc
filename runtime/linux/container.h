// A container of the runtime's root (--root) as one object: created or
// loaded once, then started, signalled, exec'd into, updated and deleted
// through its methods (runc's libcontainer Container, crun's
// libcrun_container_t). crate-runtime loads one per command; the shim
// holds the one it created for the container's whole life.
//
// The object keeps what does not change for a container (its record, its
// cgroup, the init's pid and start time, a pidfd for the init, the parsed
// config once an exec needed it) and holds no lock between calls, so other
// crate-runtime commands keep working on the container. Each call takes
// the state directory's lock as the free functions before it did, and
// re-reads the record only if state.json was replaced since; a container
// deleted (and perhaps created again under the same ID) behind the
// object's back reads as not found, never as the object's.
#ifndef CRATE_RUNTIME_LINUX_CONTAINER_H_
#define CRATE_RUNTIME_LINUX_CONTAINER_H_

#include <sys/types.h>

#include <array>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/optional.h"
#include "runtime/cgroups/cgroup.h"
#include "runtime/linux/init_process.h"
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

struct ExecOptions {
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

class Container {
 public:
  // Reads and validates <bundle>/config.json, makes the state directory
  // and the container init, records it. On any error nothing is left
  // behind.
  static absl::StatusOr<Container> Create(const CreateOptions& options);

  // The container `id` under `root`: kNotFound if there is none (or it
  // has no record yet), the file and field if its record is corrupt.
  static absl::StatusOr<Container> Load(const std::string& root,
                                        const std::string& id);

  Container(Container&&) noexcept;
  Container& operator=(Container&&) noexcept;
  ~Container();

  const std::string& id() const { return id_; }
  pid_t init_pid() const { return record_.state.pid; }

  // Lets a created container's process run. A failing poststart hook does
  // not fail the start (the spec says so); its error lands in `warning`.
  absl::Status Start(std::string* warning = nullptr);

  // The record with the status as it is now (pid 0 once stopped).
  absl::StatusOr<ContainerRecord> State();

  // Signals the init, or with `all` every process of the container (its
  // cgroup, else its pid namespace). A stopped container is an error, as
  // in runc.
  absl::Status Kill(int signal, bool all);

  // Removes a stopped (or never started) container; `force` kills a
  // running one first. A container already gone is an error unless
  // `force`. Poststop hook failures are warnings, as for Start. Once it
  // succeeded, every call on the object reads the container as not found.
  absl::Status Delete(bool force, std::string* warning = nullptr);

  // Starts a process in the running (or created) container; its pid.
  absl::StatusOr<pid_t> Exec(const ExecOptions& options);

  // Changes the limits of the running container's cgroup; only what is
  // set in `resources` is written.
  absl::Status Update(const oci::Resources& resources);

  // runc's update --l3-cache-schema / --mem-bw-schema: writes the schemata
  // of the container's resctrl group (shared with others when named by
  // closID). A container created without linux.intelRdt is refused.
  absl::Status UpdateIntelRdt(const std::string& l3_cache_schema,
                              const std::string& mem_bw_schema);

  // What the running container's cgroup accounts (for `events`).
  absl::StatusOr<cgroups::Stats> Stats();
  // What its resctrl group accounts, or nullopt when it has none.
  absl::StatusOr<absl::optional<resctrl::Stats>> IntelRdtStats();

  // Freezes / thaws every process of the container through its cgroup.
  absl::Status Pause();
  absl::Status Resume();

  // Host pids of the container's processes, sorted.
  absl::StatusOr<std::vector<pid_t>> Pids();

  // The container cgroup's OOM notification (see cgroups::Cgroup::WatchOom).
  absl::StatusOr<cgroups::OomWatch> WatchOom();

 private:
  // Where state.json was when the record was read: a new file (every write
  // is a rename) means the record must be read again.
  struct FileId {
    ino_t ino = 0;
    int64_t ctime_ns = 0;
    bool operator==(const FileId& o) const {
      return ino == o.ino && ctime_ns == o.ctime_ns;
    }
  };

  Container(std::string root, std::string id, ContainerRecord record,
            FileId file);

  static absl::StatusOr<FileId> StatRecord(const ContainerDir& dir);
  // Takes the state directory's lock and brings the record up to date.
  absl::StatusOr<ContainerDir> Lock();
  // The status now; kPaused where the freezer says so.
  oci::ContainerStatus LiveStatus(const ContainerDir& dir);
  oci::ContainerStatus LiveStatusWithFreezer(const ContainerDir& dir);
  // The container's cgroup, opened once; nullptr if it has none.
  cgroups::Cgroup* cgroup();
  // The cgroup, which must exist.
  absl::StatusOr<cgroups::Cgroup*> ExistingCgroup();
  // kFailedPrecondition unless the init lives.
  absl::Status CheckNotStopped(const ContainerDir& dir);
  // The bundle's config.json, parsed once.
  absl::StatusOr<const oci::Spec*> Spec();
  absl::Status DeleteLocked(ContainerDir& dir, bool force,
                            std::string* warning);

  friend absl::Status Delete(const std::string& root, const std::string& id,
                             bool force, std::string* warning);

  std::string root_;
  std::string id_;
  ContainerRecord record_;
  FileId file_;
  InitProcess init_;
  bool deleted_ = false;
  bool cgroup_opened_ = false;
  std::unique_ptr<cgroups::Cgroup> cgroup_;
  std::unique_ptr<oci::Spec> spec_;
};

// For a caller that holds no Container (a forced cleanup): loads and
// deletes it, and also clears a state directory whose record is missing or
// unreadable (a create that died early), as runc's delete does. A missing
// container is an error unless `force`.
absl::Status Delete(const std::string& root, const std::string& id, bool force,
                    std::string* warning = nullptr);

// "KILL", "SIGKILL", "9". kInvalidArgument names the bad value.
absl::StatusOr<int> ParseSignal(absl::string_view name);

// Every container under root, with its current status. Reads without
// taking the containers' locks, so a create in progress does not hold it
// up.
absl::StatusOr<std::vector<ContainerRecord>> List(const std::string& root);

// Writes the pid file atomically (runc writes it the same way).
absl::Status WritePidFile(const std::string& path, pid_t pid);

}  // namespace crate::linux

#endif  // CRATE_RUNTIME_LINUX_CONTAINER_H_
