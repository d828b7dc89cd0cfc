// What the container init must do, decided from the spec before any process
// exists: namespaces to create or join, the mounts in order, the devices,
// the process it becomes. Making the plan touches nothing, so every decision
// is unit-tested; rootfs.cc and process.cc carry it out.
#ifndef CRATE_RUNTIME_LINUX_PLAN_H_
#define CRATE_RUNTIME_LINUX_PLAN_H_

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/optional.h"
#include "runtime/oci/spec.h"

namespace crate::linux {

struct MountStep {
  std::string source;       // Host path for binds; else the fs source.
  std::string destination;  // Absolute, inside the container.
  std::string fstype;
  unsigned long flags = 0;  // MS_* for mount(2), without propagation.
  std::string data;
  bool bind = false;
  // A bind ignores most flags on the first mount(2); a remount applies them.
  bool remount_after_bind = false;
  unsigned long propagation = 0;  // MS_PRIVATE, ... or 0.
  bool propagation_recursive = false;
  unsigned long recursive_set = 0;  // mount_setattr(AT_RECURSIVE), MS_* bits.
  unsigned long recursive_clear = 0;
  // A cgroup mount on a host without a unified hierarchy at its root: a
  // tmpfs with one bind per host hierarchy of the init's own cgroup (the
  // source and recursive fields are then unused).
  bool cgroup_bind_fallback = false;
  // With cgroup_bind_fallback: the container has a cgroup namespace, so each
  // v1 hierarchy is mounted (rooted at the namespace's cgroup) instead of
  // bound from the host.
  bool cgroup_mount_hierarchies = false;
  // A cgroup2 mount that the kernel may refuse, handled as crun and runc
  // do: EBUSY (the target is already a cgroup2 mount's root, e.g. a /sys
  // bound from the host) gets a tmpfs in between and a second try; EPERM
  // (a user namespace without its own cgroup namespace) or a second EBUSY
  // binds the host's /sys/fs/cgroup when this is set (no cgroup namespace,
  // so the paths in /proc/self/cgroup are the host's).
  bool cgroup2_bind_fallback = false;
  // tmpfs "tmpcopyup": the tmpfs starts with what the image had there.
  bool tmpcopyup = false;
  // sysfs in a user namespace without its own network namespace cannot be
  // mounted; fall back to binding the host's /sys as runc does.
  bool sysfs_bind_fallback = false;
  // An idmapped mount (mount uidMappings/gidMappings, or "idmap"/"ridmap"
  // with the container's own mappings). A privileged runtime makes it
  // before the init exists: a bind's source is cloned (open_tree), any
  // other type made detached (fsopen/fsmount), and given a user namespace
  // with these maps, since setting MOUNT_ATTR_IDMAP needs CAP_SYS_ADMIN over
  // the file system, which an init in its own user namespace lacks for the
  // host's. The init moves it onto its target.
  bool idmap = false;
  bool idmap_recursive = false;  // "ridmap": submounts too.
  std::vector<oci::IdMapping> idmap_uids;
  std::vector<oci::IdMapping> idmap_gids;
  // An unprivileged runtime cannot: the init makes the file system in the
  // container's user namespace (which it owns) and the idmap user
  // namespace as its child, so idmap_uids/gids are then in the container's
  // IDs (translated from the host IDs of the spec).
  bool idmap_in_init = false;
};

struct DeviceStep {
  std::string path;  // Inside the container.
  char type = 'c';   // c, b, u (unbuffered char) or p (fifo)
  unsigned major = 0;
  unsigned minor = 0;
  mode_t mode = 0666;  // Permission bits.
  uid_t uid = 0;
  gid_t gid = 0;
  // In a user namespace mknod is refused; bind the host node instead.
  bool bind_from_host = false;
};

struct SymlinkStep {
  std::string target;  // What the link points to.
  std::string link;    // Inside the container.
};

struct NamespaceJoin {
  oci::NamespaceType type;
  std::string path;
};

struct ProcessPlan {
  std::vector<std::string> args;
  std::vector<std::string> env;
  std::string cwd;
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> additional_gids;
  absl::optional<mode_t> umask;
  std::vector<oci::Rlimit> rlimits;
  absl::optional<oci::Capabilities> capabilities;
  bool no_new_privileges = false;
  absl::optional<int> oom_score_adj;
  bool terminal = false;
  absl::optional<oci::ConsoleSize> console_size;
  // ioprio_set value (class << 13 | level), or unset.
  absl::optional<int> io_priority;
  // personality(2) domain: PER_LINUX or PER_LINUX32, or unset.
  absl::optional<unsigned long> personality;
  // process.scheduler, for sched_setattr(2).
  absl::optional<oci::Scheduler> scheduler;
  // Labels the exec'd program gets; set only when the host runs that LSM.
  std::string apparmor_profile;
  std::string selinux_label;
};

struct LaunchPlan {
  // Parts of the spec this host cannot honour but may ignore, each naming
  // its field; the caller reports them.
  std::vector<std::string> warnings;
  // CLONE_NEW* for the namespaces to create.
  int clone_flags = 0;
  // Existing namespaces to enter, user namespace first (its owner decides
  // what the others allow), mount namespace last.
  std::vector<NamespaceJoin> joins;
  std::vector<oci::IdMapping> uid_mappings;
  std::vector<oci::IdMapping> gid_mappings;
  // /proc/self/timens_offsets of a new time namespace ("monotonic 5 0\n").
  std::string time_offsets;

  // Whether the init gets its own mount namespace (new or joined); without
  // one there is no rootfs to set up and it only chroots.
  bool mount_namespace = false;
  std::string rootfs;  // Absolute host path.
  bool rootfs_readonly = false;
  unsigned long rootfs_propagation = 0;  // Applied to "/" before mounting.
  std::vector<MountStep> mounts;
  std::vector<DeviceStep> devices;
  std::vector<SymlinkStep> symlinks;
  std::vector<std::string> masked_paths;
  std::vector<std::string> readonly_paths;
  bool pivot_root = true;  // Else MS_MOVE + chroot (--no-pivot).

  std::string hostname;
  std::string domainname;
  std::map<std::string, std::string> sysctl;

  ProcessPlan process;

  // Hooks the init runs itself (paths in the container's namespaces).
  std::vector<oci::Hook> create_container_hooks;
  std::vector<oci::Hook> start_container_hooks;
  // Whether the init stops before pivot_root for the runtime's prestart
  // and createRuntime hooks and to learn the state document for its own.
  bool hook_sync = false;
};

struct PlanOptions {
  std::string bundle;     // Absolute bundle directory.
  bool no_pivot = false;  // chroot instead of pivot_root.
  // Whether the host mounts a cgroup2 at /sys/fs/cgroup (pure v2); decides
  // how a "cgroup" mount is done.
  bool host_cgroup_v2 = false;
  // Whether the host runs AppArmor (/sys/kernel/security/apparmor) or
  // SELinux (/sys/fs/selinux). A process label for an absent one is an
  // error, as in runc and crun; a mount label is dropped with a warning.
  bool host_apparmor = false;
  bool host_selinux = false;
  // The runtime's own capability bounding set (CapBnd of /proc/self/status,
  // bit N for capability N): no process of the container can have more,
  // so asking for more fails create instead of the capset after start.
  uint64_t capability_bounding = ~uint64_t{0};
  // Whether the runtime runs without root (rootless): idmapped mounts are
  // then made by the init, and idmapped binds of host directories refused.
  bool unprivileged = false;
};

// The spec must have passed oci::ValidateForCreate.
absl::StatusOr<LaunchPlan> MakePlan(const oci::Spec& spec,
                                    const PlanOptions& options);

// CLONE_NEWPID etc. for a namespace type.
int CloneFlag(oci::NamespaceType type);

// `maps` (containerID -> host ID) with their host IDs expressed as IDs of
// a user namespace mapped by `outer`, splitting extents where `outer`
// does; an error names the first host ID `outer` does not map.
absl::StatusOr<std::vector<oci::IdMapping>> ToInnerIds(
    const std::vector<oci::IdMapping>& maps,
    const std::vector<oci::IdMapping>& outer);

}  // namespace crate::linux

#endif  // CRATE_RUNTIME_LINUX_PLAN_H_
