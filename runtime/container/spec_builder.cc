#include "runtime/container/spec_builder.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "runtime/base/status_macros.h"
#include "runtime/container/capability_set.h"
#include "runtime/container/command.h"
#include "runtime/container/mounts.h"
#include "runtime/container/resources.h"
#include "runtime/container/seccomp_profile.h"
#include "runtime/container/security_options.h"
#include "runtime/container/users.h"

namespace crate::container {
namespace {

// Docker's (and runc's) list: kernel interfaces that leak the host or let a
// container reach it.
constexpr const char* kMaskedPaths[] = {
    "/proc/acpi",        "/proc/kcore",
    "/proc/keys",        "/proc/latency_stats",
    "/proc/timer_list",  "/proc/timer_stats",
    "/proc/sched_debug", "/proc/scsi",
    "/sys/firmware",     "/sys/devices/virtual/powercap"};
constexpr const char* kReadonlyPaths[] = {
    "/proc/asound", "/proc/bus", "/proc/fs",
    "/proc/irq",    "/proc/sys", "/proc/sysrq-trigger"};

// The kernel's limit on a host name (sethostname: __NEW_UTS_LEN).
constexpr size_t kMaxHostname = 64;

absl::Status Bad(absl::string_view option, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(option, ": ", why));
}

// Prefixes a status from a helper with the option it concerns.
absl::Status For(absl::string_view option, const absl::Status& s) {
  if (s.ok()) return s;
  return absl::Status(s.code(), absl::StrCat(option, ": ", s.message()));
}

// Which namespaces the container shares with the host.
struct HostNamespaces {
  bool network = false;
  bool ipc = false;
  bool pid = false;
  bool uts = false;
};

absl::StatusOr<bool> IsHostMode(absl::string_view option,
                                const std::string& mode, bool none_allowed) {
  if (mode.empty() || mode == "private") return false;
  if (none_allowed && mode == "none") return false;
  if (mode == "host") return true;
  return Bad(option,
             absl::StrCat("unknown mode \"", mode, "\" (want ",
                          none_allowed ? "none, " : "", "host or private)"));
}

absl::StatusOr<HostNamespaces> ReadNamespaceModes(const Options& o) {
  HostNamespaces h;
  ASSIGN_OR_RETURN(h.network, IsHostMode("--network", o.network, true));
  ASSIGN_OR_RETURN(h.ipc, IsHostMode("--ipc", o.ipc, false));
  ASSIGN_OR_RETURN(h.pid, IsHostMode("--pid", o.pid, false));
  ASSIGN_OR_RETURN(h.uts, IsHostMode("--uts", o.uts, false));
  return h;
}

absl::Status CheckIdentity(const Options& o) {
  if (o.id.empty()) return Bad("id", "required");
  if (o.rootfs.empty() || o.rootfs[0] != '/') {
    return Bad("rootfs",
               absl::StrCat("\"", o.rootfs, "\" is not an absolute path"));
  }
  return absl::OkStatus();
}

// The name the container's UTS namespace gets ("" when it has none) and
// the one HOSTNAME says: -h, else the host's with --network host (docker's
// rule), else the ID's first 12 characters.
absl::StatusOr<std::pair<std::string, std::string>> Hostnames(
    const Options& o, const HostNamespaces& host) {
  if (host.uts) {
    if (!o.hostname.empty()) {
      return Bad("--hostname",
                 "conflicts with --uts host, which keeps the "
                 "host's name");
    }
    return std::make_pair(std::string(), o.host.hostname);
  }
  std::string name = o.hostname;
  if (name.empty()) name = host.network ? o.host.hostname : o.id.substr(0, 12);
  if (name.empty()) return Bad("--hostname", "the host's name was not given");
  if (name.size() > kMaxHostname || name.find('\0') != std::string::npos) {
    return Bad("--hostname",
               absl::StrCat("\"", name.substr(0, 80), "\" is longer than ",
                            kMaxHostname, " bytes or holds a NUL"));
  }
  return std::make_pair(name, name);
}

std::vector<oci::Namespace> Namespaces(const HostNamespaces& host) {
  std::vector<oci::Namespace> out;
  auto add = [&](oci::NamespaceType type, bool shared) {
    if (shared) return;
    oci::Namespace ns;
    ns.type = type;
    out.push_back(ns);
  };
  add(oci::NamespaceType::kMount, false);
  // --network none gets a namespace of its own with only loopback in it.
  add(oci::NamespaceType::kNetwork, host.network);
  add(oci::NamespaceType::kUts, host.uts);
  add(oci::NamespaceType::kPid, host.pid);
  add(oci::NamespaceType::kIpc, host.ipc);
  return out;
}

absl::StatusOr<ResolvedUser> ContainerUser(const ImageConfig& image,
                                           absl::string_view etc_passwd,
                                           absl::string_view etc_group,
                                           const Options& o) {
  bool from_image = o.user.empty();
  const std::string& spec = from_image ? image.user : o.user;
  absl::StatusOr<ResolvedUser> user = ResolveUser(spec, etc_passwd, etc_group);
  if (!user.ok()) {
    return For(from_image ? "image config User" : "--user", user.status());
  }
  return user;
}

std::string AppArmorProfile(const Options& o, const SecurityOptions& sec) {
  if (sec.apparmor_profile) return *sec.apparmor_profile;
  // Docker's rule; on a host without AppArmor there is nothing to name.
  if (o.privileged) return o.host.apparmor_profile.empty() ? "" : "unconfined";
  return o.host.apparmor_profile;
}

absl::StatusOr<oci::Process> BuildProcess(
    const ImageConfig& image, absl::string_view etc_passwd,
    absl::string_view etc_group, const Options& o, const std::string& hostname,
    const std::vector<int>& caps, const SecurityOptions& sec) {
  oci::Process p;
  p.terminal = o.tty;
  ASSIGN_OR_RETURN(ResolvedUser user,
                   ContainerUser(image, etc_passwd, etc_group, o));
  p.user.uid = user.uid;
  p.user.gid = user.gid;
  p.user.additional_gids = user.additional_gids;
  ASSIGN_OR_RETURN(p.args, ProcessArgs(image, o));
  ASSIGN_OR_RETURN(p.env, ProcessEnv(image, o.env, hostname, o.tty));
  ASSIGN_OR_RETURN(p.cwd, WorkingDir(image, o));
  // As docker (and execve) has it: a user other than root starts with no
  // effective or permitted capabilities, only the bounding set.
  oci::Capabilities c;
  c.bounding = caps;
  if (user.uid == 0) {
    c.effective = caps;
    c.permitted = caps;
  }
  p.capabilities = std::move(c);
  ASSIGN_OR_RETURN(p.rlimits, ParseUlimits(o.ulimits));
  p.no_new_privileges = sec.no_new_privileges;
  p.apparmor_profile = AppArmorProfile(o, sec);
  return p;
}

absl::StatusOr<absl::optional<oci::Seccomp>> ContainerSeccomp(
    const Options& o, const SecurityOptions& sec,
    const std::vector<int>& caps) {
  if (o.privileged || sec.seccomp_unconfined) return absl::nullopt;
  if (sec.seccomp_profile.empty()) return DefaultSeccomp(caps);
  ASSIGN_OR_RETURN(
      oci::Seccomp s,
      ParseSeccompProfile(sec.seccomp_profile, caps, o.host.kernel_release));
  return s;
}

absl::StatusOr<std::vector<oci::Mount>> ContainerMounts(
    const Options& o, const HostNamespaces& host) {
  if (o.shm_size < 0) {
    return Bad("--shm-size",
               absl::StrCat("must not be negative, got ", o.shm_size));
  }
  StandardMountSettings settings;
  if (o.shm_size > 0) settings.shm_size = o.shm_size;
  settings.ipc_host = host.ipc;
  settings.privileged = o.privileged;
  ASSIGN_OR_RETURN(std::vector<oci::Mount> user, UserMounts(o.mounts));
  return MergeMounts(StandardMounts(settings), user);
}

absl::Status AddSysctls(const Options& o, const HostNamespaces& host,
                        oci::Linux& lx) {
  if (!host.network) {
    // Docker's, for a network namespace of the container's own: any user
    // may bind low ports and send pings there, as it cannot reach the
    // host's.
    lx.sysctl["net.ipv4.ip_unprivileged_port_start"] = "0";
    lx.sysctl["net.ipv4.ping_group_range"] = "0 2147483647";
  }
  for (const auto& [key, value] : o.sysctls) {
    lx.sysctl[key] = value;
    absl::Status s = oci::ValidateSysctl(key, lx);
    if (s.ok()) continue;
    absl::string_view why = s.message();
    absl::ConsumePrefix(&why, absl::StrCat("linux.sysctl.", key, ": "));
    return Bad(absl::StrCat("--sysctl ", key, "=", value), why);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::map<std::string, std::string>> Annotations(
    const ImageConfig& image, const Options& o) {
  std::map<std::string, std::string> out = image.labels;
  for (const auto& [key, value] : o.labels) out[key] = value;
  if (out.count("") > 0) {
    return Bad(o.labels.count("") > 0 ? "--label" : "image config Labels",
               "empty key");
  }
  return out;
}

absl::StatusOr<oci::Linux> BuildLinux(const Options& o,
                                      const HostNamespaces& host,
                                      const SecurityOptions& sec,
                                      const std::vector<int>& caps) {
  oci::Linux lx;
  lx.namespaces = Namespaces(host);
  ASSIGN_OR_RETURN(lx.resources, ContainerResources(o));
  lx.cgroups_path = o.cgroups_path;
  RETURN_IF_ERROR(AddSysctls(o, host, lx));
  ASSIGN_OR_RETURN(lx.seccomp, ContainerSeccomp(o, sec, caps));
  lx.rootfs_propagation = RootfsPropagation(o.mounts);
  if (!o.privileged && !sec.systempaths_unconfined) {
    lx.masked_paths.assign(std::begin(kMaskedPaths), std::end(kMaskedPaths));
    lx.readonly_paths.assign(std::begin(kReadonlyPaths),
                             std::end(kReadonlyPaths));
  }
  return lx;
}

}  // namespace

absl::StatusOr<oci::Spec> BuildSpec(const ImageConfig& image,
                                    absl::string_view etc_passwd,
                                    absl::string_view etc_group,
                                    const Options& o) {
  RETURN_IF_ERROR(CheckIdentity(o));
  ASSIGN_OR_RETURN(HostNamespaces host, ReadNamespaceModes(o));
  ASSIGN_OR_RETURN(auto hostnames, Hostnames(o, host));
  ASSIGN_OR_RETURN(SecurityOptions sec, ParseSecurityOptions(o.security_opts));
  ASSIGN_OR_RETURN(std::vector<int> caps,
                   ContainerCapabilities(o.cap_add, o.cap_drop, o.privileged,
                                         o.host.capabilities));

  oci::Spec spec;
  spec.oci_version = oci::kOciVersion;
  ASSIGN_OR_RETURN(spec.process, BuildProcess(image, etc_passwd, etc_group, o,
                                              hostnames.second, caps, sec));
  spec.root = oci::Root{o.rootfs, o.read_only};
  spec.hostname = hostnames.first;
  ASSIGN_OR_RETURN(spec.mounts, ContainerMounts(o, host));
  ASSIGN_OR_RETURN(spec.annotations, Annotations(image, o));
  ASSIGN_OR_RETURN(spec.linux, BuildLinux(o, host, sec, caps));
  RETURN_IF_ERROR(oci::ValidateForCreate(spec));
  return spec;
}

}  // namespace crate::container
