#include "runtime/linux/plan.h"

#include <sched.h>
#include <sys/mount.h>
#include <sys/personality.h>

#include <algorithm>
#include <map>
#include <string>

#include "absl/strings/str_cat.h"
#include "runtime/base/file_util.h"
#include "runtime/oci/mount_options.h"

namespace crate::linux {
namespace {

using oci::NamespaceType;

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

// The devices every container gets (runtime-spec "Default Devices").
struct DefaultDevice {
  const char* path;
  unsigned major;
  unsigned minor;
};
constexpr DefaultDevice kDefaultDevices[] = {
    {"/dev/null", 1, 3},   {"/dev/zero", 1, 5},    {"/dev/full", 1, 7},
    {"/dev/random", 1, 8}, {"/dev/urandom", 1, 9}, {"/dev/tty", 5, 0},
};

unsigned long PropagationFlags(const std::string& name) {
  if (name == "shared") return MS_SHARED;
  if (name == "rshared") return MS_SHARED | MS_REC;
  if (name == "slave") return MS_SLAVE;
  if (name == "rslave") return MS_SLAVE | MS_REC;
  if (name == "private") return MS_PRIVATE;
  if (name == "rprivate") return MS_PRIVATE | MS_REC;
  if (name == "unbindable") return MS_UNBINDABLE;
  if (name == "runbindable") return MS_UNBINDABLE | MS_REC;
  // runc's default: host mounts reach the container, not the other way.
  return MS_SLAVE | MS_REC;
}

std::string Absolute(const std::string& bundle, const std::string& path) {
  if (!path.empty() && path[0] == '/') return path;
  return JoinPath(bundle, path);
}

}  // namespace

int CloneFlag(NamespaceType type) {
  switch (type) {
    case NamespaceType::kPid:
      return CLONE_NEWPID;
    case NamespaceType::kNetwork:
      return CLONE_NEWNET;
    case NamespaceType::kMount:
      return CLONE_NEWNS;
    case NamespaceType::kIpc:
      return CLONE_NEWIPC;
    case NamespaceType::kUts:
      return CLONE_NEWUTS;
    case NamespaceType::kUser:
      return CLONE_NEWUSER;
    case NamespaceType::kCgroup:
      return CLONE_NEWCGROUP;
    case NamespaceType::kTime:
      return CLONE_NEWTIME;
  }
  return 0;
}

absl::StatusOr<std::vector<oci::IdMapping>> ToInnerIds(
    const std::vector<oci::IdMapping>& maps,
    const std::vector<oci::IdMapping>& outer) {
  std::vector<oci::IdMapping> out;
  for (const oci::IdMapping& m : maps) {
    uint64_t first = m.container_id, host = m.host_id, left = m.size;
    while (left > 0) {
      auto e = std::find_if(outer.begin(), outer.end(), [&](const auto& o) {
        return host >= o.host_id && host - o.host_id < o.size;
      });
      if (e == outer.end()) {
        return absl::InvalidArgumentError(
            absl::StrCat("host ID ", host,
                         " is not mapped in the container's user "
                         "namespace"));
      }
      uint64_t n =
          std::min<uint64_t>(left, e->host_id + uint64_t{e->size} - host);
      out.push_back(
          {static_cast<uint32_t>(first),
           static_cast<uint32_t>(e->container_id + (host - e->host_id)),
           static_cast<uint32_t>(n)});
      first += n;
      host += n;
      left -= n;
    }
  }
  return out;
}

// The flags of personality(2) by the names runtime-spec uses for them.
const std::map<std::string, unsigned long> kPersonalityFlags = {
    {"ADDR_COMPAT_LAYOUT", ADDR_COMPAT_LAYOUT},
    {"ADDR_NO_RANDOMIZE", ADDR_NO_RANDOMIZE},
    {"ADDR_LIMIT_32BIT", ADDR_LIMIT_32BIT},
    {"ADDR_LIMIT_3GB", ADDR_LIMIT_3GB},
    {"FDPIC_FUNCPTRS", FDPIC_FUNCPTRS},
    {"MMAP_PAGE_ZERO", MMAP_PAGE_ZERO},
    {"READ_IMPLIES_EXEC", READ_IMPLIES_EXEC},
    {"SHORT_INODE", SHORT_INODE},
    {"STICKY_TIMEOUTS", STICKY_TIMEOUTS},
    {"UNAME26", UNAME26},
    {"WHOLE_SECONDS", WHOLE_SECONDS},
};

absl::StatusOr<LaunchPlan> MakePlan(const oci::Spec& spec,
                                    const PlanOptions& options) {
  if (!spec.process || !spec.root) {
    return absl::InvalidArgumentError("spec was not validated for create");
  }
  static const oci::Linux kNoLinux;
  const oci::Linux& lx = spec.linux ? *spec.linux : kNoLinux;
  LaunchPlan plan;

  bool user_ns = false;
  bool new_user_ns = false;
  bool new_net_ns = false;
  bool cgroup_ns = false;
  for (const oci::Namespace& ns : lx.namespaces) {
    if (ns.type == NamespaceType::kUser) user_ns = true;
    if (ns.type == NamespaceType::kCgroup) cgroup_ns = true;
    if (ns.type == NamespaceType::kMount) plan.mount_namespace = true;
    if (ns.path.empty()) {
      plan.clone_flags |= CloneFlag(ns.type);
      if (ns.type == NamespaceType::kUser) new_user_ns = true;
      if (ns.type == NamespaceType::kNetwork) new_net_ns = true;
    } else {
      plan.joins.push_back({ns.type, ns.path});
    }
  }
  std::stable_sort(plan.joins.begin(), plan.joins.end(),
                   [](const NamespaceJoin& a, const NamespaceJoin& b) {
                     auto rank = [](NamespaceType t) {
                       if (t == NamespaceType::kUser) return 0;
                       if (t == NamespaceType::kMount) return 2;
                       return 1;
                     };
                     return rank(a.type) < rank(b.type);
                   });
  if (new_user_ns) {
    plan.uid_mappings = lx.uid_mappings;
    plan.gid_mappings = lx.gid_mappings;
  }

  if (plan.clone_flags & CLONE_NEWTIME) {
    for (const auto& [clock, secs] : lx.time_offsets_secs) {
      absl::StrAppend(&plan.time_offsets, clock, " ", secs, " 0\n");
    }
  }

  plan.rootfs = Absolute(options.bundle, spec.root->path);
  plan.rootfs_readonly = spec.root->readonly;
  plan.rootfs_propagation = PropagationFlags(lx.rootfs_propagation);
  plan.pivot_root = !options.no_pivot;

  bool dev_is_bind = false;
  bool dev_mounted = false;
  for (size_t i = 0; i < spec.mounts.size(); ++i) {
    const oci::Mount& m = spec.mounts[i];
    oci::MountOptions opts = oci::ParseMountOptions(m.options);
    MountStep step;
    step.destination = m.destination;
    step.fstype = m.type;
    step.source = m.source;
    step.data = opts.data;
    step.bind = opts.bind() || m.type == "bind";
    step.flags = opts.flags;
    step.propagation = opts.propagation;
    step.propagation_recursive = opts.propagation_recursive;
    step.recursive_set = opts.recursive_set;
    step.recursive_clear = opts.recursive_clear;
    step.tmpcopyup = opts.tmpcopyup && m.type == "tmpfs";
    if (step.bind) {
      step.flags |= MS_BIND;
      step.source = Absolute(options.bundle, m.source);
      step.remount_after_bind =
          (step.flags & ~(MS_BIND | MS_REC | MS_REMOUNT)) != 0;
    } else if (m.type == "cgroup" || m.type == "cgroup2") {
      if (options.host_cgroup_v2) {
        step.fstype = "cgroup2";
        step.source = "cgroup";
        step.cgroup2_bind_fallback = !cgroup_ns;
      } else {
        step.cgroup_bind_fallback = true;
        // In its own cgroup namespace the container can mount each
        // hierarchy, rooted at its cgroup, as runc does.
        step.cgroup_mount_hierarchies = cgroup_ns;
        step.bind = true;
        step.source = "/sys/fs/cgroup";
        step.fstype.clear();
        step.data.clear();
        step.flags |= MS_BIND | MS_REC;
        if (step.flags & MS_RDONLY) step.recursive_set |= MS_RDONLY;
        step.remount_after_bind =
            (step.flags & ~(MS_BIND | MS_REC | MS_REMOUNT)) != 0;
      }
    } else if (m.type == "sysfs" && user_ns && !new_net_ns) {
      step.sysfs_bind_fallback = true;
      step.bind = true;
      step.source = "/sys";
      step.fstype.clear();
      step.data.clear();
      step.flags |= MS_BIND | MS_REC;
      if (step.flags & MS_RDONLY) step.recursive_set |= MS_RDONLY;
      step.remount_after_bind =
          (step.flags & ~(MS_BIND | MS_REC | MS_REMOUNT)) != 0;
    }
    if (opts.idmap || !m.uid_mappings.empty() || !m.gid_mappings.empty()) {
      const std::string field = absl::StrCat("mounts[", i, "]");
      if (step.cgroup_bind_fallback) {
        return absl::InvalidArgumentError(absl::StrCat(
            field,
            ": an idmapped cgroup mount is not supported on a host "
            "without a unified cgroup hierarchy"));
      }
      step.idmap = true;
      step.idmap_recursive = opts.idmap_recursive;
      // Without maps of its own, "idmap" means the container's user
      // namespace maps, as in runc.
      step.idmap_uids =
          m.uid_mappings.empty() ? lx.uid_mappings : m.uid_mappings;
      step.idmap_gids =
          m.gid_mappings.empty() ? lx.gid_mappings : m.gid_mappings;
      if (step.idmap_uids.empty() || step.idmap_gids.empty()) {
        return absl::InvalidArgumentError(absl::StrCat(
            field,
            ": an idmapped mount needs both uidMappings and gidMappings (of "
            "the mount or of linux)"));
      }
      if (options.unprivileged) {
        // The kernel lets only a holder of CAP_SYS_ADMIN in the user
        // namespace owning a file system idmap it: for the host's file
        // systems that is the initial one. A file system made in the
        // container's user namespace (tmpfs, ...) can be, by its init.
        if (step.bind) {
          return absl::PermissionDeniedError(absl::StrCat(
              field, ": an idmapped bind of ", step.source,
              " needs CAP_SYS_ADMIN in the user namespace owning its file "
              "system (the host's), which an unprivileged runtime lacks; "
              "only a file system made for the container (such as tmpfs) can "
              "be idmapped rootless"));
        }
        if (!new_user_ns) {
          return absl::PermissionDeniedError(absl::StrCat(
              field,
              ": an unprivileged runtime can idmap a mount only in the "
              "container's own new user namespace"));
        }
        step.idmap_in_init = true;
        absl::StatusOr<std::vector<oci::IdMapping>> uids =
            ToInnerIds(step.idmap_uids, lx.uid_mappings);
        absl::StatusOr<std::vector<oci::IdMapping>> gids =
            ToInnerIds(step.idmap_gids, lx.gid_mappings);
        if (!uids.ok() || !gids.ok()) {
          return absl::InvalidArgumentError(absl::StrCat(
              field, ".", uids.ok() ? "gidMappings: " : "uidMappings: ",
              (uids.ok() ? gids : uids).status().message(),
              " (rootless, an idmapped mount can only use IDs the container "
              "has)"));
        }
        step.idmap_uids = *std::move(uids);
        step.idmap_gids = *std::move(gids);
      }
    }
    if (m.destination == "/dev") {
      dev_mounted = true;
      dev_is_bind = step.bind;
    }
    plan.mounts.push_back(std::move(step));
  }

  // Device nodes go into a /dev the container owns; a bind of the host's
  // /dev (or no /dev mount at all) is left as it is.
  if (dev_mounted && !dev_is_bind) {
    for (const DefaultDevice& d : kDefaultDevices) {
      DeviceStep step;
      step.path = d.path;
      step.major = d.major;
      step.minor = d.minor;
      step.bind_from_host = user_ns;
      plan.devices.push_back(step);
    }
    for (const oci::Device& d : lx.devices) {
      DeviceStep step;
      step.path = d.path;
      step.type = d.type;
      step.major = static_cast<unsigned>(d.major);
      step.minor = static_cast<unsigned>(d.minor);
      step.mode =
          d.file_mode ? static_cast<mode_t>(*d.file_mode & 07777) : 0666;
      step.uid = d.uid.value_or(0);
      step.gid = d.gid.value_or(0);
      step.bind_from_host = user_ns;
      auto same =
          std::find_if(plan.devices.begin(), plan.devices.end(),
                       [&](const DeviceStep& s) { return s.path == d.path; });
      if (same != plan.devices.end()) {
        *same = step;
      } else {
        plan.devices.push_back(step);
      }
    }
    plan.symlinks = {
        {"/proc/self/fd", "/dev/fd"},       {"/proc/self/fd/0", "/dev/stdin"},
        {"/proc/self/fd/1", "/dev/stdout"}, {"/proc/self/fd/2", "/dev/stderr"},
        {"pts/ptmx", "/dev/ptmx"},
    };
  }

  if (plan.mount_namespace) {
    plan.masked_paths = lx.masked_paths;
    plan.readonly_paths = lx.readonly_paths;
  }
  plan.hostname = spec.hostname;
  plan.domainname = spec.domainname;
  plan.sysctl = lx.sysctl;

  plan.create_container_hooks = spec.hooks.create_container;
  plan.start_container_hooks = spec.hooks.start_container;
  plan.hook_sync = !spec.hooks.prestart.empty() ||
                   !spec.hooks.create_runtime.empty() ||
                   !spec.hooks.create_container.empty() ||
                   !spec.hooks.start_container.empty();

  const oci::Process& p = *spec.process;
  plan.process.args = p.args;
  plan.process.env = p.env;
  plan.process.cwd = p.cwd;
  plan.process.uid = p.user.uid;
  plan.process.gid = p.user.gid;
  // NGROUPS_MAX: setgroups(2) refuses more, which the init would only
  // find out after start.
  constexpr size_t kMaxGroups = 65536;
  if (p.user.additional_gids.size() > kMaxGroups) {
    return absl::InvalidArgumentError(absl::StrCat(
        "process.user.additionalGids: ", p.user.additional_gids.size(),
        " groups, more than the kernel's limit of ", kMaxGroups));
  }
  plan.process.additional_gids.assign(p.user.additional_gids.begin(),
                                      p.user.additional_gids.end());
  if (p.user.umask) plan.process.umask = static_cast<mode_t>(*p.user.umask);
  plan.process.rlimits = p.rlimits;
  plan.process.capabilities = p.capabilities;
  plan.process.no_new_privileges = p.no_new_privileges;
  plan.process.oom_score_adj = p.oom_score_adj;
  plan.process.terminal = p.terminal;
  plan.process.console_size = p.console_size;
  if (p.io_priority) {
    int klass = p.io_priority->klass == "IOPRIO_CLASS_RT"   ? 1
                : p.io_priority->klass == "IOPRIO_CLASS_BE" ? 2
                                                            : 3;
    plan.process.io_priority = (klass << 13) | p.io_priority->priority;
  }
  plan.process.scheduler = p.scheduler;
  if (p.capabilities) {
    const std::pair<const char*, const std::vector<int>*> kSets[] = {
        {"bounding", &p.capabilities->bounding},
        {"effective", &p.capabilities->effective},
        {"inheritable", &p.capabilities->inheritable},
        {"permitted", &p.capabilities->permitted},
        {"ambient", &p.capabilities->ambient}};
    for (const auto& [name, caps] : kSets) {
      for (int cap : *caps) {
        if (cap < 64 && (options.capability_bounding >> cap) & 1) continue;
        return absl::FailedPreconditionError(absl::StrCat(
            "process.capabilities.", name, ": ", oci::CapabilityName(cap),
            " is not in this host's capability bounding set (the runtime "
            "runs without it), so no process of the container can have it"));
      }
    }
  }
  // A confinement asked for and not available is an error, never an
  // unconfined container (runc and crun refuse too).
  if (!p.apparmor_profile.empty()) {
    if (!options.host_apparmor) {
      return absl::FailedPreconditionError(absl::StrCat(
          "process.apparmorProfile \"", p.apparmor_profile,
          "\": AppArmor is not enabled on this host (no "
          "/sys/kernel/security/apparmor), so the profile cannot be applied"));
    }
    plan.process.apparmor_profile = p.apparmor_profile;
  }
  if (!p.selinux_label.empty()) {
    if (!options.host_selinux) {
      return absl::FailedPreconditionError(absl::StrCat(
          "process.selinuxLabel \"", p.selinux_label,
          "\": SELinux is not enabled on this host (no /sys/fs/selinux), "
          "so the label cannot be applied"));
    }
    plan.process.selinux_label = p.selinux_label;
  }
  if (!lx.mount_label.empty()) {
    if (options.host_selinux) {
      // Only file systems made here take a context; binds keep their
      // source's labels, as in runc.
      for (MountStep& m : plan.mounts) {
        if (m.bind || (m.fstype != "tmpfs" && m.fstype != "mqueue")) continue;
        absl::StrAppend(&m.data, m.data.empty() ? "" : ",", "context=\"",
                        lx.mount_label, "\"");
      }
    } else {
      plan.warnings.push_back(
          absl::StrCat("linux.mountLabel \"", lx.mount_label,
                       "\" ignored: SELinux is not enabled on this host (no "
                       "/sys/fs/selinux)"));
    }
  }
  if (lx.personality) {
    unsigned long persona =
        lx.personality->domain == "LINUX32" ? PER_LINUX32 : PER_LINUX;
    for (size_t i = 0; i < lx.personality->flags.size(); ++i) {
      const std::string& name = lx.personality->flags[i];
      auto it = kPersonalityFlags.find(name);
      if (it == kPersonalityFlags.end()) {
        return absl::InvalidArgumentError(
            absl::StrCat("linux.personality.flags[", i, "]: unknown flag \"",
                         name, "\" (see personality(2))"));
      }
      persona |= it->second;
    }
    plan.process.personality = persona;
  }
  return plan;
}

}  // namespace crate::linux
