// The service's engine, with no gRPC in it (docs/SERVICE.md): containers
// made from images, each run by a crate-shim, with their records, logs and
// exit files on disk. api/server's handlers are thin over this.
//
// Containers are named by name, full ID or unique ID prefix. Errors are
// absl::Status with canonical codes as domain kinds: NotFound, AlreadyExists
// (a name taken), FailedPrecondition (the wrong state: "container web is
// running"), InvalidArgument (a bad option, named), Unavailable (a shim that
// does not answer).
#ifndef CRATE_API_ENGINE_ENGINE_H_
#define CRATE_API_ENGINE_ENGINE_H_

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "absl/types/optional.h"
#include "api/engine/container_stats.h"
#include "api/engine/container_store.h"
#include "api/engine/event_journal.h"
#include "api/engine/exit_watcher.h"
#include "api/engine/process_stream.h"
#include "api/engine/resource_update.h"
#include "api/engine/top.h"
#include "api/engine/volumes.h"
#include "registry/images/image_service.h"
#include "runtime/container/options.h"
#include "runtime/shim/exit_file.h"

namespace crate::engine {

struct EngineOptions {
  std::string root;  // persistent: images, containers, volumes
  std::string run;   // runtime state: shims, the runtime's root
  std::string shim_binary;
  int64_t log_max_bytes = 0;  // 0: the shim's default
  // registries.toml; empty: the default for this user. Unused when
  // `registries` is set (crate.toml's [registries]).
  std::string registries_conf;
  absl::optional<registry::RegistriesConf> registries;
  // A container's network when its options name none: "private", "none"
  // or "host".
  std::string default_network;
};

enum class Status { kCreated, kRunning, kExited, kCreating, kRemoving };
absl::string_view StatusName(Status status);

struct ContainerInfo {
  ContainerRecord record;
  Status status = Status::kCreated;
  int exit_code = 0;
  absl::optional<absl::Time> finished_at;
  std::string exit_reason;
  int pid = 0;  // the init's, while it runs
  std::vector<std::string> command;
  std::string log_path;
  std::string bundle;
  // Exited with auto_remove: this look removed it (its last view).
  bool removed = false;
};

struct CreateOptions {
  std::string name;         // empty: a generated one
  std::string image;        // name, ID prefix or name@digest
  container::Options spec;  // id and rootfs are the engine's to fill
  std::string stop_signal;  // empty: the image's, else SIGTERM
  int stop_timeout_seconds = 10;
  bool auto_remove = false;
};

struct ListOptions {
  bool all = false;
  std::vector<std::string>
      filters;  // name=, id=, label=K[=V], status=, ancestor=
  int limit = 0;
};

struct ExitResult {
  int exit_code = 0;
  absl::Time finished_at = absl::InfinitePast();
};

struct ExecOptions {
  std::vector<std::string> cmd;
  std::vector<std::string> env;  // KEY=value, over the container's
  std::string working_dir;       // empty: the container's
  std::string user;  // name|uid[:group|gid] in the container; empty: its own
  bool tty = false;
  bool stdin = false;
  bool detach = false;  // nothing attached: the session has only the pid
};

struct AttachOptions {
  bool stdin = false;  // the container must have been created with stdin
  bool stdout = true;
  bool stderr = true;
  // An exited container is readied to start again (a new shim) and
  // attached to, for a Start that follows.
  bool ready_exited = false;
};

class Engine {
 public:
  static absl::StatusOr<std::unique_ptr<Engine>> Open(
      const EngineOptions& options);
  ~Engine();

  registry::ImageService& images() { return *images_; }
  // The host's cgroup layout as the runtime drives it: "v1", "hybrid" or
  // "v2" (cgroups::DetectMode), "unknown" without /sys/fs/cgroup.
  static std::string CgroupVersion();
  // Named and anonymous volumes, with containers as their users.
  Volumes& volumes() { return *volumes_; }
  // Which containers use an image (for its Remove and Prune).
  registry::ImageUsersFn ImageUsers();

  absl::StatusOr<ContainerInfo> Create(const CreateOptions& options);
  // Starts a created container, or an exited one again (a new shim on the
  // same root file system, log and settings, as docker's start of a
  // stopped container).
  absl::Status Start(const std::string& ref);
  absl::Status Stop(const std::string& ref,
                    absl::optional<int> timeout_seconds);
  absl::Status Kill(const std::string& ref, const std::string& signal);
  // With `remove_volumes` (rm -v) the container's anonymous volumes go
  // too, unless another container uses one; named volumes stay.
  absl::Status Remove(const std::string& ref, bool force,
                      bool remove_volumes = false);
  absl::StatusOr<std::vector<ContainerInfo>> List(const ListOptions& options);
  absl::StatusOr<ContainerInfo> Inspect(const std::string& ref);
  // Returns when the container has exited (at once if it has).
  absl::StatusOr<ExitResult> Wait(const std::string& ref);

  // Starts a further process in a running container, with the container's
  // process settings (capabilities, limits, env) under the options. Unless
  // detached, the session is attached to its stdout and stderr (and stdin
  // when asked) from its start: the shim keeps what it wrote before the
  // attach for its first client. The process's own failure to start (a
  // command not found, not executable) is the error, with the runtime's
  // words.
  absl::StatusOr<std::unique_ptr<ProcessStream>> Exec(
      const std::string& ref, const ExecOptions& options);

  // Attaches to the container's own process, created or running: its
  // output from now on (the log holds what came before) and, when asked
  // and the container was created with stdin, its input. Attached before
  // Start, nothing the process writes is missed. Leaving without a close
  // leaves the process's stdin open, so that a later attach can go on.
  absl::StatusOr<std::unique_ptr<ProcessStream>> Attach(
      const std::string& ref, const AttachOptions& options);

  // Brings the records in line with what is on disk and alive: drops what
  // a crash left half-made, notes containers that exited while no crated
  // ran, and stops the containers of shims that died. Run at start.
  absl::Status Reconcile();

  // Events (engine_observe.cc). The journal, which the engine writes at
  // each container action and the services at each image and volume one.
  EventJournal& events() { return *events_; }
  // A watch of the exit files, for an events stream: after it fires,
  // NoteExits brings those containers' records up to date, which journals
  // each exit's die once.
  absl::StatusOr<std::unique_ptr<ExitWatcher>> WatchExits();
  void NoteExits(const std::vector<std::string>& ids);

  // Changes a running or created container's limits through its cgroup
  // and saves them in its bundle's config.json for the next start. A limit
  // the host refuses is the error, and what was written before it is put
  // back.
  absl::Status Update(const std::string& ref, const ResourceUpdate& update);
  // The container's counters (zero unless it runs) and the host's CPU time.
  absl::StatusOr<ContainerStats> Stats(const std::string& ref);
  // The host's ps, kept to the container's processes.
  absl::StatusOr<TopResult> Top(const std::string& ref,
                                const std::vector<std::string>& ps_args);

 private:
  Engine() = default;

  std::string ShimDir(const std::string& id) const;
  std::string RuntimeRoot() const;
  std::string ExitFile(const std::string& id) const;
  std::string LogFile(const std::string& id) const;

  // The live view of a record (exit file, shim), persisting what changed.
  ContainerInfo Refresh(const ContainerRecord& record);
  // What create made, undone in reverse (also for a removal).
  void Teardown(const ContainerRecord& record);
  // A shim for the container of `record`, whose bundle and root file
  // system exist; its pids recorded with the state kCreated.
  absl::StatusOr<ContainerRecord> SpawnShimFor(const ContainerRecord& record);
  // An exited container made ready to start again: its root file system
  // mounted (after a reboot it is not), its last exit file dropped (the
  // record keeps the code) and a new shim.
  absl::Status Respawn(const ContainerRecord& record);
  // Frees `name` when the container holding it has exited with
  // auto_remove (its removal waits for the shim to go): true if it did.
  bool FreeNameOfRemovedOnExit(const std::string& name);

  // Appends a container event (its image, name and labels as attributes);
  // a journal that cannot be written costs the event, not the action.
  void Journal(const ContainerRecord& record, absl::string_view action,
               std::map<std::string, std::string> attributes = {},
               absl::Time at = absl::Now());
  // The die of `exit`, at its time (an oom before it, if so).
  void JournalExit(const ContainerRecord& record, const shim::ExitStatus& exit);

  EngineOptions options_;
  std::unique_ptr<EventJournal> events_;
  std::mutex update_mu_;  // one Update at a time: its undo reads the spec
  std::unique_ptr<registry::ImageService> images_;
  std::unique_ptr<ContainerStore> containers_;
  std::unique_ptr<Volumes> volumes_;
};

}  // namespace crate::engine

#endif  // CRATE_API_ENGINE_ENGINE_H_
