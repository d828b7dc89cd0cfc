// The OCI runtime-spec v1.1 configuration (config.json) for Linux, as plain
// C++ values. ParseSpec validates everything the launcher later relies on,
// so the launcher never has to re-check a value; its errors name the JSON
// path of the offending field and its value, e.g.
//   linux.namespaces[2].type: unknown namespace "foo"
#ifndef CRATE_RUNTIME_OCI_SPEC_H_
#define CRATE_RUNTIME_OCI_SPEC_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/optional.h"

namespace crate::oci {

// The versions of the runtime-spec this model reads.
inline constexpr char kOciVersion[] = "1.1.0";
inline constexpr char kOciVersionMin[] = "1.0.0";

struct IdMapping {
  uint32_t container_id = 0;
  uint32_t host_id = 0;
  uint32_t size = 0;
};

struct User {
  uint32_t uid = 0;
  uint32_t gid = 0;
  absl::optional<uint32_t> umask;
  std::vector<uint32_t> additional_gids;
  std::string username;
};

struct ConsoleSize {
  uint32_t height = 0;
  uint32_t width = 0;
};

struct Capabilities {
  // Capability numbers (CAP_CHOWN == 0, ...), validated from their names.
  std::vector<int> bounding;
  std::vector<int> effective;
  std::vector<int> inheritable;
  std::vector<int> permitted;
  std::vector<int> ambient;
};

struct Rlimit {
  std::string type;  // "RLIMIT_NOFILE"
  int resource = 0;  // RLIMIT_NOFILE
  uint64_t hard = 0;
  uint64_t soft = 0;
};

struct IoPriority {
  std::string klass;  // IOPRIO_CLASS_RT | IOPRIO_CLASS_BE | IOPRIO_CLASS_IDLE
  int priority = 0;
};

struct Scheduler {
  std::string policy;  // SCHED_OTHER, ...
  absl::optional<int32_t> nice;
  absl::optional<int32_t> priority;
  std::vector<std::string> flags;
  absl::optional<uint64_t> runtime;
  absl::optional<uint64_t> deadline;
  absl::optional<uint64_t> period;
};

struct Process {
  bool terminal = false;
  absl::optional<ConsoleSize> console_size;
  User user;
  std::vector<std::string> args;
  std::string command_line;  // Windows only; kept so it round-trips.
  std::vector<std::string> env;
  std::string cwd;
  absl::optional<Capabilities> capabilities;
  std::vector<Rlimit> rlimits;
  bool no_new_privileges = false;
  std::string apparmor_profile;
  absl::optional<int> oom_score_adj;
  std::string selinux_label;
  absl::optional<IoPriority> io_priority;
  absl::optional<Scheduler> scheduler;
};

struct Root {
  std::string path;  // As written; relative to the bundle unless absolute.
  bool readonly = false;
};

struct Mount {
  std::string destination;
  std::string type;
  std::string source;
  std::vector<std::string> options;
  std::vector<IdMapping> uid_mappings;
  std::vector<IdMapping> gid_mappings;
};

struct Hook {
  std::string path;
  std::vector<std::string> args;
  std::vector<std::string> env;
  absl::optional<int> timeout;  // Seconds, > 0.
};

struct Hooks {
  std::vector<Hook> prestart;  // Deprecated by the spec, still honoured.
  std::vector<Hook> create_runtime;
  std::vector<Hook> create_container;
  std::vector<Hook> start_container;
  std::vector<Hook> poststart;
  std::vector<Hook> poststop;
};

enum class NamespaceType {
  kPid,
  kNetwork,
  kMount,
  kIpc,
  kUts,
  kUser,
  kCgroup,
  kTime
};

// "pid", "network", ... as config.json spells them.
absl::string_view NamespaceTypeName(NamespaceType type);
absl::optional<NamespaceType> NamespaceTypeFromName(absl::string_view name);
// Every namespace type, in the order the spec lists them.
const std::vector<NamespaceType>& AllNamespaceTypes();

struct Namespace {
  NamespaceType type = NamespaceType::kMount;
  std::string path;  // Empty: create a new one; else join this one.
};

struct Device {
  std::string path;
  char type = 'c';  // c, b, u or p
  int64_t major = 0;
  int64_t minor = 0;
  absl::optional<uint32_t> file_mode;
  absl::optional<uint32_t> uid;
  absl::optional<uint32_t> gid;
};

struct DeviceCgroupRule {
  bool allow = false;
  std::string type;  // a, c or b; empty means all
  absl::optional<int64_t> major;
  absl::optional<int64_t> minor;
  std::string access;  // subset of "rwm"
};

struct MemoryResources {
  absl::optional<int64_t> limit;
  absl::optional<int64_t> reservation;
  absl::optional<int64_t> swap;
  absl::optional<int64_t> kernel;
  absl::optional<int64_t> kernel_tcp;
  absl::optional<uint64_t> swappiness;
  absl::optional<bool> disable_oom_killer;
  absl::optional<bool> use_hierarchy;
  absl::optional<bool> check_before_update;
};

struct CpuResources {
  absl::optional<uint64_t> shares;
  absl::optional<int64_t> quota;
  absl::optional<uint64_t> burst;
  absl::optional<uint64_t> period;
  absl::optional<int64_t> realtime_runtime;
  absl::optional<uint64_t> realtime_period;
  std::string cpus;
  std::string mems;
  absl::optional<int64_t> idle;
};

struct PidsResources {
  int64_t limit = 0;
};

struct WeightDevice {
  int64_t major = 0;
  int64_t minor = 0;
  absl::optional<uint16_t> weight;
  absl::optional<uint16_t> leaf_weight;
};

struct ThrottleDevice {
  int64_t major = 0;
  int64_t minor = 0;
  uint64_t rate = 0;
};

struct BlockIoResources {
  absl::optional<uint16_t> weight;
  absl::optional<uint16_t> leaf_weight;
  std::vector<WeightDevice> weight_device;
  std::vector<ThrottleDevice> throttle_read_bps_device;
  std::vector<ThrottleDevice> throttle_write_bps_device;
  std::vector<ThrottleDevice> throttle_read_iops_device;
  std::vector<ThrottleDevice> throttle_write_iops_device;
};

struct HugepageLimit {
  std::string page_size;  // "2MB", "1GB"
  uint64_t limit = 0;
};

struct NetworkPriority {
  std::string name;
  uint32_t priority = 0;
};

struct NetworkResources {
  absl::optional<uint32_t> class_id;
  std::vector<NetworkPriority> priorities;
};

struct Resources {
  std::vector<DeviceCgroupRule> devices;
  absl::optional<MemoryResources> memory;
  absl::optional<CpuResources> cpu;
  absl::optional<PidsResources> pids;
  absl::optional<BlockIoResources> block_io;
  std::vector<HugepageLimit> hugepage_limits;
  absl::optional<NetworkResources> network;
  std::map<std::string, std::string> unified;
};

struct SeccompArg {
  uint32_t index = 0;
  uint64_t value = 0;
  uint64_t value_two = 0;
  std::string op;  // SCMP_CMP_*
};

struct SeccompSyscall {
  std::vector<std::string> names;
  std::string action;  // SCMP_ACT_*
  absl::optional<uint32_t> errno_ret;
  std::vector<SeccompArg> args;
};

struct Seccomp {
  std::string default_action;
  absl::optional<uint32_t> default_errno_ret;
  std::vector<std::string> architectures;  // SCMP_ARCH_*
  std::vector<std::string> flags;          // SECCOMP_FILTER_FLAG_*
  std::string listener_path;
  std::string listener_metadata;
  std::vector<SeccompSyscall> syscalls;
};

struct IntelRdt {
  std::string clos_id;
  std::string l3_cache_schema;
  std::string mem_bw_schema;
  bool enable_cmt = false;
  bool enable_mbm = false;
};

struct Personality {
  std::string domain;  // LINUX | LINUX32
  std::vector<std::string> flags;
};

struct Linux {
  std::vector<Namespace> namespaces;
  std::vector<IdMapping> uid_mappings;
  std::vector<IdMapping> gid_mappings;
  std::map<std::string, int64_t> time_offsets_secs;  // "monotonic", "boottime"
  std::vector<Device> devices;
  std::string cgroups_path;
  absl::optional<Resources> resources;
  std::map<std::string, std::string> sysctl;
  absl::optional<Seccomp> seccomp;
  std::string rootfs_propagation;
  std::vector<std::string> masked_paths;
  std::vector<std::string> readonly_paths;
  std::string mount_label;
  absl::optional<Personality> personality;
  absl::optional<IntelRdt> intel_rdt;

  // The entry for `type`, or nullptr when the container shares the host's.
  const Namespace* FindNamespace(NamespaceType type) const;
};

struct Spec {
  std::string oci_version;
  absl::optional<Process> process;
  absl::optional<Root> root;
  std::string hostname;
  std::string domainname;
  std::vector<Mount> mounts;
  Hooks hooks;
  std::map<std::string, std::string> annotations;
  absl::optional<Linux> linux;
  // What the parser accepted but corrected (a relative mount destination),
  // for the caller to report.
  std::vector<std::string> warnings;
};

// Parses and validates a config.json document. Unknown properties are
// ignored, as the spec requires. Errors are kInvalidArgument and start with
// the JSON path of the field ("process.args: ...").
absl::StatusOr<Spec> ParseSpec(absl::string_view json);

// What `create` additionally needs beyond a well-formed document: a process
// with args, a root, and values that only make sense together (a hostname
// needs its own UTS namespace, ID mappings need a user namespace).
absl::Status ValidateForCreate(const Spec& spec);

// The namespace that linux.sysctl[key] belongs to, where the container may
// set it only if it does not share that namespace with the host (runc's and
// crun's rule): the IPC limits, net.*, kernel.domainname. kernel.hostname is
// refused (the "hostname" field sets it) and every other key changes the
// host: kInvalidArgument naming the key and why.
absl::StatusOr<NamespaceType> SysctlNamespace(const std::string& key);

// SysctlNamespace, and that linux.namespaces has that namespace. Whether a
// namespace joined by path is the host's own is checked at create, where
// the file can be looked at.
absl::Status ValidateSysctl(const std::string& key, const Linux& lx);

// Capability names <-> numbers ("CAP_SYS_ADMIN" <-> 21).
absl::optional<int> CapabilityFromName(absl::string_view name);
absl::string_view CapabilityName(int cap);
// Highest capability number this model knows.
int LastCapability();

}  // namespace crate::oci

#endif  // CRATE_RUNTIME_OCI_SPEC_H_
