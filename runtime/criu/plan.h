// Decides the criu command lines for checkpoint and restore from what the
// runtime knows of a container (its launch plan, its init, its cgroup) and
// the runc-compatible flags. Pure: no syscalls, so every option is checked
// by unit tests; runtime/criu/criu.h runs the result.
//
// What criu must be told, as runc and crun tell it:
// * bind mounts, masked files and v1 cgroup binds are "external": their
//   source lies outside the container, so the dump records them by key
//   (the destination) and the restore maps each key to the source again;
// * namespaces joined by path: net and pid are external (the restore hands
//   criu an fd of the namespace to put the tree into), ipc/uts/time/user
//   are joined with --join-ns; a joined mount or cgroup namespace cannot
//   be restored and is refused;
// * a network namespace of its own is restored empty (--empty-ns net):
//   the runtime does not configure networks, whoever made it does;
// * stdio pipes are recorded (descriptors.json, runc's format) and the
//   restored init inherits the restoring process's stdio in their place;
//   a terminal is an external tty whose key (tty.info) gets a new pty;
//   a file (the caller's /dev/null, a log) is an external file, which the
//   restored init inherits from the restoring process in the same way.
#ifndef CRATE_RUNTIME_CRIU_PLAN_H_
#define CRATE_RUNTIME_CRIU_PLAN_H_

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "runtime/linux/plan.h"
#include "runtime/oci/spec.h"

namespace crate::criu {

// Files the runtime keeps beside criu's images.
inline constexpr char kDescriptorsFile[] = "descriptors.json";
inline constexpr char kTtyInfoFile[] = "tty.info";
// The "file[mnt_id:inode]" keys of fds 0-2 that are files (a JSON array of
// three strings, empty where the fd is no file).
inline constexpr char kStdioFilesFile[] = "stdio-files.json";
inline constexpr char kDumpLog[] = "dump.log";
inline constexpr char kRestoreLog[] = "restore.log";
// External namespace keys, the ones runc and crun use.
inline constexpr char kExtNetNsKey[] = "extRootNetNS";
inline constexpr char kExtPidNsKey[] = "extRootPidNS";

// Flags both commands share (runc's names).
struct CommonOptions {
  std::string image_path;  // Absolute.
  std::string work_path;   // Absolute; empty: criu uses image_path.
  bool tcp_established = false;
  bool ext_unix_sk = false;
  bool shell_job = false;
  bool file_locks = false;
  bool auto_dedup = false;
  // "", soft, full, strict, ignore ("" is soft, as runc and crun).
  std::string manage_cgroups_mode;
};

struct DumpOptions : CommonOptions {
  bool leave_running = false;
  bool tcp_skip_in_flight = false;  // criu --skip-in-flight
  bool link_remap = false;
  bool pre_dump = false;
  // Relative to image_path ("../pre"), as criu's --prev-images-dir.
  std::string parent_path;
};

struct RestoreOptions : CommonOptions {
  bool tcp_close = false;
};

// What the runtime found out about the running container.
struct DumpInput {
  const oci::Spec* spec = nullptr;
  const linux::LaunchPlan* launch = nullptr;  // MakePlan of the spec.
  pid_t pid = 0;                              // The init, host pid.
  std::string rootfs;                         // Host path.
  // The directory criu freezes the tree with (v1 freezer or v2 cgroup);
  // empty: criu stops the tasks with ptrace.
  std::string freezer;
  // Inodes of the namespaces joined by path, by type.
  std::map<oci::NamespaceType, uint64_t> joined_inodes;
  // Masked paths that are files in the container (bound over by /dev/null).
  std::vector<std::string> masked_files;
  // Container paths of the host v1 hierarchies bound in the container's
  // cgroup mount ("/sys/fs/cgroup/memory"); empty on v2 or with a cgroup
  // namespace, where the mount is a real one criu dumps itself.
  std::vector<std::string> cgroup_binds;
  // The init's stdio as criu sees it: "tty[rdev:dev]" when it is a
  // terminal, else empty.
  std::string tty_key;
  // "file[mnt_id:inode]" for each of fds 0-2 that is a file, else empty.
  std::vector<std::string> stdio_files;
  // A mount destination resolved inside the rootfs as the container sees
  // it (symlinks followed within the root), for the external keys.
  std::function<std::string(const std::string&)> resolve;
};

struct RestoreInput {
  const oci::Spec* spec = nullptr;
  const linux::LaunchPlan* launch = nullptr;
  // A mount point of the rootfs criu restores the mount namespace into.
  std::string root;
  std::string pid_file;  // criu writes the restored init's host pid here.
  // The container's cgroup below each hierarchy root ("crate/abc"); empty:
  // none.
  std::string cgroup_path;
  std::vector<std::string> cgroup_binds;  // As DumpInput's.
  // Host v1 hierarchy directory of each container cgroup bind, same order
  // ("/sys/fs/cgroup/memory/crate/abc").
  std::vector<std::string> cgroup_bind_sources;
  // descriptors.json: what the init's fds 0-2 were ("pipe:[123]").
  std::vector<std::string> descriptors;
  // stdio-files.json, as DumpInput::stdio_files.
  std::vector<std::string> stdio_files;
  // tty.info, and the fd criu inherits as that terminal; -1: none.
  std::string tty_key;
  int tty_fd = -1;
  // Fds criu inherits for the namespaces joined by path that criu takes as
  // external (net, pid), by type.
  std::map<oci::NamespaceType, int> joined_fds;
  std::function<std::string(const std::string&)> resolve;
};

// argv for exec (argv[0] is the criu binary) and where criu writes its log.
struct Invocation {
  std::vector<std::string> argv;
  std::string log_path;
};

// `criu dump` (or `pre-dump`) of the container.
absl::StatusOr<Invocation> PlanDump(const std::string& criu,
                                    const DumpInput& input,
                                    const DumpOptions& options);

// `criu restore` of the container into `input.root`, detached: the
// restored init becomes a child of the process that runs criu
// (--restore-sibling) and criu exits.
absl::StatusOr<Invocation> PlanRestore(const std::string& criu,
                                       const RestoreInput& input,
                                       const RestoreOptions& options);

// runc's descriptors.json: a JSON array of the fd 0-2 link targets.
std::string DescriptorsToJson(const std::vector<std::string>& links);
absl::StatusOr<std::vector<std::string>> ParseDescriptors(
    absl::string_view json);

// criu's external tty key: "tty[<rdev hex>:<dev hex>]".
std::string TtyKey(uint64_t rdev, uint64_t dev);
// criu's external file key: "file[<mnt_id hex>:<inode hex>]".
std::string FileKey(uint64_t mnt_id, uint64_t inode);

// The last `lines` error lines of a criu log (else its last lines): what
// an error message quotes.
std::string LogTail(absl::string_view log, int lines = 8);

}  // namespace crate::criu

#endif  // CRATE_RUNTIME_CRIU_PLAN_H_
