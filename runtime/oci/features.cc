#include "runtime/oci/features.h"

#include <nlohmann/json.hpp>

#include "runtime/oci/mount_options.h"
#include "runtime/oci/spec.h"

namespace crate::oci {

using OJson = nlohmann::ordered_json;

std::string FeaturesJson(const FeatureSupport& support) {
  OJson j;
  j["ociVersionMin"] = kOciVersionMin;
  j["ociVersionMax"] = kOciVersion;
  j["hooks"] = {"prestart",       "createRuntime", "createContainer",
                "startContainer", "poststart",     "poststop"};
  j["mountOptions"] = KnownMountOptions();
  OJson lx;
  std::vector<std::string> namespaces;
  for (NamespaceType t : AllNamespaceTypes()) {
    namespaces.emplace_back(NamespaceTypeName(t));
  }
  lx["namespaces"] = namespaces;
  std::vector<std::string> caps;
  for (int c = 0; c <= LastCapability(); ++c) {
    caps.emplace_back(CapabilityName(c));
  }
  lx["capabilities"] = caps;
  // Drivers built in (the spec's meaning), whatever this host mounts.
  lx["cgroup"] = {{"v1", true},
                  {"v2", true},
                  // Built in, as runc reports it: the driver loads
                  // libsystemd when used and says then if systemd is
                  // unreachable.
                  {"systemd", true},
                  {"systemdUser", true}};
  lx["seccomp"] = {{"enabled", support.seccomp},
                   {"actions", support.seccomp_actions},
                   {"operators", support.seccomp_operators},
                   {"archs", support.seccomp_archs},
                   {"knownFlags", support.seccomp_known_flags},
                   {"supportedFlags", support.seccomp_supported_flags}};
  // Applied on hosts that run the LSM, dropped with a warning elsewhere.
  lx["apparmor"] = {{"enabled", true}};
  lx["selinux"] = {{"enabled", true}};
  // Support in the runtime, as runc reports it; the host may lack resctrl.
  lx["intelRdt"] = {{"enabled", true}};
  lx["mountExtensions"] = {{"idmap", {{"enabled", true}}}};
  j["linux"] = lx;
  j["annotations"] = OJson::object();
  return j.dump(4);
}

std::string DefaultSpecJson(bool rootless, unsigned uid, unsigned gid) {
  const std::vector<std::string> caps = {"CAP_AUDIT_WRITE", "CAP_KILL",
                                         "CAP_NET_BIND_SERVICE"};
  OJson proc;
  proc["terminal"] = true;
  proc["user"] = {{"uid", 0}, {"gid", 0}};
  proc["args"] = {"sh"};
  proc["env"] = {
      "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
      "TERM=xterm"};
  proc["cwd"] = "/";
  proc["capabilities"] = {{"bounding", caps},
                          {"effective", caps},
                          {"permitted", caps},
                          {"ambient", caps}};
  proc["rlimits"] = {
      {{"type", "RLIMIT_NOFILE"}, {"hard", 1024}, {"soft", 1024}}};
  proc["noNewPrivileges"] = true;

  OJson j;
  j["ociVersion"] = kOciVersion;
  j["process"] = proc;
  j["root"] = {{"path", "rootfs"}, {"readonly", true}};
  j["hostname"] = "crate";
  OJson mounts = OJson::array();
  mounts.push_back(
      {{"destination", "/proc"}, {"type", "proc"}, {"source", "proc"}});
  mounts.push_back(
      {{"destination", "/dev"},
       {"type", "tmpfs"},
       {"source", "tmpfs"},
       {"options", {"nosuid", "strictatime", "mode=755", "size=65536k"}}});
  std::vector<std::string> pts = {"nosuid", "noexec", "newinstance",
                                  "ptmxmode=0666", "mode=0620"};
  if (!rootless) pts.push_back("gid=5");
  mounts.push_back({{"destination", "/dev/pts"},
                    {"type", "devpts"},
                    {"source", "devpts"},
                    {"options", pts}});
  mounts.push_back(
      {{"destination", "/dev/shm"},
       {"type", "tmpfs"},
       {"source", "shm"},
       {"options", {"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}}});
  mounts.push_back({{"destination", "/dev/mqueue"},
                    {"type", "mqueue"},
                    {"source", "mqueue"},
                    {"options", {"nosuid", "noexec", "nodev"}}});
  if (rootless) {
    mounts.push_back(
        {{"destination", "/sys"},
         {"type", "none"},
         {"source", "/sys"},
         {"options", {"rbind", "nosuid", "noexec", "nodev", "ro"}}});
  } else {
    mounts.push_back({{"destination", "/sys"},
                      {"type", "sysfs"},
                      {"source", "sysfs"},
                      {"options", {"nosuid", "noexec", "nodev", "ro"}}});
    mounts.push_back(
        {{"destination", "/sys/fs/cgroup"},
         {"type", "cgroup"},
         {"source", "cgroup"},
         {"options", {"nosuid", "noexec", "nodev", "relatime", "ro"}}});
  }
  j["mounts"] = mounts;

  OJson lx;
  if (!rootless) {
    lx["resources"] = {{"devices", {{{"allow", false}, {"access", "rwm"}}}}};
  }
  OJson ns = OJson::array();
  ns.push_back({{"type", "pid"}});
  if (!rootless) ns.push_back({{"type", "network"}});
  ns.push_back({{"type", "ipc"}});
  ns.push_back({{"type", "uts"}});
  ns.push_back({{"type", "mount"}});
  if (rootless) {
    ns.push_back({{"type", "user"}});
    lx["uidMappings"] = {{{"containerID", 0}, {"hostID", uid}, {"size", 1}}};
    lx["gidMappings"] = {{{"containerID", 0}, {"hostID", gid}, {"size", 1}}};
  }
  lx["namespaces"] = ns;
  lx["maskedPaths"] = {"/proc/acpi",          "/proc/asound",
                       "/proc/kcore",         "/proc/keys",
                       "/proc/latency_stats", "/proc/timer_list",
                       "/proc/timer_stats",   "/proc/sched_debug",
                       "/sys/firmware",       "/proc/scsi"};
  lx["readonlyPaths"] = {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
                         "/proc/sysrq-trigger"};
  j["linux"] = lx;
  return j.dump(4);
}

}  // namespace crate::oci
