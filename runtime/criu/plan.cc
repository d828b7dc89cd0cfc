#include "runtime/criu/plan.h"

#include <nlohmann/json.hpp>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace crate::criu {
namespace {

using oci::NamespaceType;

// A cookie shared by every masked file: each is /dev/null bound over a
// path, so one mapping back to /dev/null serves them all (runc's trick).
constexpr char kMaskedCookie[] = "/dev/null";

absl::StatusOr<std::string> CgroupMode(const std::string& mode) {
  if (mode.empty()) return std::string("soft");
  if (mode == "soft" || mode == "full" || mode == "strict" ||
      mode == "ignore") {
    return mode;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("--manage-cgroups-mode: invalid value \"", mode,
                   "\" (want soft, full, strict or ignore)"));
}

std::string Resolve(
    const std::function<std::string(const std::string&)>& resolve,
    const std::string& dest) {
  return resolve ? resolve(dest) : dest;
}

absl::Status AddCommon(const CommonOptions& o, const oci::Spec& spec,
                       const char* log, std::vector<std::string>* argv,
                       std::string* log_path) {
  if (o.image_path.empty() || o.image_path[0] != '/') {
    return absl::InvalidArgumentError(absl::StrCat(
        "--image-path must be absolute, got \"", o.image_path, "\""));
  }
  argv->insert(argv->end(), {"-D", o.image_path});
  if (!o.work_path.empty()) argv->insert(argv->end(), {"-W", o.work_path});
  argv->insert(argv->end(), {"-o", log, "-v4"});
  *log_path =
      absl::StrCat(o.work_path.empty() ? o.image_path : o.work_path, "/", log);
  absl::StatusOr<std::string> mode = CgroupMode(o.manage_cgroups_mode);
  if (!mode.ok()) return mode.status();
  argv->push_back(absl::StrCat("--manage-cgroups=", *mode));
  if (o.tcp_established) argv->push_back("--tcp-established");
  if (o.ext_unix_sk) argv->push_back("--ext-unix-sk");
  if (o.shell_job) argv->push_back("--shell-job");
  if (o.file_locks) argv->push_back("--file-locks");
  if (o.auto_dedup) argv->push_back("--auto-dedup");
  // runc's annotation for a container-specific criu configuration.
  auto config = spec.annotations.find("org.criu.config");
  if (config != spec.annotations.end() && !config->second.empty()) {
    argv->insert(argv->end(), {"--config", config->second});
  }
  return absl::OkStatus();
}

absl::Status RefuseUnrestorable(const oci::Spec& spec) {
  if (!spec.linux) return absl::OkStatus();
  for (size_t i = 0; i < spec.linux->namespaces.size(); ++i) {
    const oci::Namespace& ns = spec.linux->namespaces[i];
    if (ns.path.empty()) continue;
    if (ns.type == NamespaceType::kMount || ns.type == NamespaceType::kCgroup) {
      return absl::FailedPreconditionError(absl::StrCat(
          "linux.namespaces[", i,
          "]: criu cannot restore a container that "
          "joined an existing ",
          oci::NamespaceTypeName(ns.type), " namespace (", ns.path, ")"));
    }
  }
  return absl::OkStatus();
}

absl::Status RefuseIdmapped(const linux::LaunchPlan& launch) {
  for (const linux::MountStep& m : launch.mounts) {
    if (m.idmap) {
      return absl::FailedPreconditionError(
          absl::StrCat("mount ", m.destination,
                       ": criu cannot checkpoint or restore idmapped mounts"));
    }
  }
  return absl::OkStatus();
}

bool HasNewNetNs(const oci::Spec& spec) {
  if (!spec.linux) return false;
  const oci::Namespace* ns = spec.linux->FindNamespace(NamespaceType::kNetwork);
  return ns != nullptr && ns->path.empty();
}

}  // namespace

absl::StatusOr<Invocation> PlanDump(const std::string& criu,
                                    const DumpInput& in, const DumpOptions& o) {
  if (in.spec == nullptr || in.launch == nullptr || in.pid <= 0) {
    return absl::InvalidArgumentError("criu dump: no container to dump");
  }
  const oci::Spec& spec = *in.spec;
  if (absl::Status s = RefuseUnrestorable(spec); !s.ok()) return s;
  if (absl::Status s = RefuseIdmapped(*in.launch); !s.ok()) return s;
  if (!o.parent_path.empty() && o.parent_path[0] == '/') {
    return absl::InvalidArgumentError(
        absl::StrCat("--parent-path must be relative to --image-path, got \"",
                     o.parent_path, "\""));
  }
  Invocation out;
  out.argv = {criu, o.pre_dump ? "pre-dump" : "dump", "-t",
              absl::StrCat(in.pid)};
  if (absl::Status s = AddCommon(o, spec, kDumpLog, &out.argv, &out.log_path);
      !s.ok()) {
    return s;
  }
  out.argv.insert(out.argv.end(), {"--root", in.rootfs});
  if (!in.freezer.empty()) {
    out.argv.insert(out.argv.end(), {"--freeze-cgroup", in.freezer});
  }
  if (o.pre_dump || !o.parent_path.empty()) out.argv.push_back("--track-mem");
  if (!o.parent_path.empty()) {
    out.argv.insert(out.argv.end(), {"--prev-images-dir", o.parent_path});
  }
  if (o.leave_running && !o.pre_dump) out.argv.push_back("--leave-running");
  if (o.tcp_skip_in_flight) out.argv.push_back("--skip-in-flight");
  if (o.link_remap) out.argv.push_back("--link-remap");
  if (HasNewNetNs(spec)) out.argv.insert(out.argv.end(), {"--empty-ns", "net"});
  if (spec.linux) {
    for (const oci::Namespace& ns : spec.linux->namespaces) {
      if (ns.path.empty()) continue;
      const char* name = nullptr;
      const char* key = nullptr;
      if (ns.type == NamespaceType::kNetwork) {
        name = "net";
        key = kExtNetNsKey;
      } else if (ns.type == NamespaceType::kPid) {
        name = "pid";
        key = kExtPidNsKey;
      } else {
        continue;  // Joined again on restore (--join-ns).
      }
      auto inode = in.joined_inodes.find(ns.type);
      if (inode == in.joined_inodes.end()) {
        return absl::InternalError(absl::StrCat("no inode for the joined ",
                                                name, " namespace ", ns.path));
      }
      out.argv.insert(
          out.argv.end(),
          {"--external", absl::StrCat(name, "[", inode->second, "]:", key)});
    }
  }
  // A pre-dump only copies memory; the mounts and files are the final
  // dump's business.
  if (o.pre_dump) return out;
  for (const linux::MountStep& m : in.launch->mounts) {
    if (!m.bind || m.cgroup_bind_fallback) continue;
    std::string key = Resolve(in.resolve, m.destination);
    out.argv.insert(out.argv.end(),
                    {"--external", absl::StrCat("mnt[", key, "]:", key)});
  }
  for (const linux::DeviceStep& d : in.launch->devices) {
    if (!d.bind_from_host) continue;
    out.argv.insert(out.argv.end(),
                    {"--external", absl::StrCat("mnt[", d.path, "]:", d.path)});
  }
  for (const std::string& p : in.cgroup_binds) {
    out.argv.insert(out.argv.end(),
                    {"--external", absl::StrCat("mnt[", p, "]:", p)});
  }
  for (const std::string& p : in.masked_files) {
    out.argv.insert(
        out.argv.end(),
        {"--external", absl::StrCat("mnt[", p, "]:", kMaskedCookie)});
  }
  if (!in.tty_key.empty()) {
    out.argv.insert(out.argv.end(), {"--external", in.tty_key});
  }
  for (const std::string& key : in.stdio_files) {
    if (!key.empty()) out.argv.insert(out.argv.end(), {"--external", key});
  }
  return out;
}

absl::StatusOr<Invocation> PlanRestore(const std::string& criu,
                                       const RestoreInput& in,
                                       const RestoreOptions& o) {
  if (in.spec == nullptr || in.launch == nullptr || in.root.empty()) {
    return absl::InvalidArgumentError("criu restore: no container to restore");
  }
  const oci::Spec& spec = *in.spec;
  if (absl::Status s = RefuseUnrestorable(spec); !s.ok()) return s;
  if (absl::Status s = RefuseIdmapped(*in.launch); !s.ok()) return s;
  if (in.cgroup_binds.size() != in.cgroup_bind_sources.size()) {
    return absl::InternalError("cgroup binds and their sources differ");
  }
  Invocation out;
  out.argv = {criu, "restore"};
  if (absl::Status s =
          AddCommon(o, spec, kRestoreLog, &out.argv, &out.log_path);
      !s.ok()) {
    return s;
  }
  out.argv.insert(out.argv.end(),
                  {"--root", in.root, "--restore-sibling", "--restore-detached",
                   "--pidfile", in.pid_file, "--evasive-devices"});
  if (!in.cgroup_path.empty()) {
    out.argv.insert(out.argv.end(),
                    {"--cgroup-root", absl::StrCat("/", in.cgroup_path)});
  }
  if (o.tcp_close) out.argv.push_back("--tcp-close");
  if (HasNewNetNs(spec)) out.argv.insert(out.argv.end(), {"--empty-ns", "net"});
  if (spec.linux) {
    for (const oci::Namespace& ns : spec.linux->namespaces) {
      if (ns.path.empty()) continue;
      if (ns.type == NamespaceType::kNetwork ||
          ns.type == NamespaceType::kPid) {
        auto fd = in.joined_fds.find(ns.type);
        if (fd == in.joined_fds.end()) {
          return absl::InternalError(
              absl::StrCat("no fd for the joined namespace ", ns.path));
        }
        const char* key =
            ns.type == NamespaceType::kNetwork ? kExtNetNsKey : kExtPidNsKey;
        out.argv.insert(
            out.argv.end(),
            {"--inherit-fd", absl::StrCat("fd[", fd->second, "]:", key)});
      } else {
        out.argv.insert(
            out.argv.end(),
            {"--join-ns",
             absl::StrCat(oci::NamespaceTypeName(ns.type), ":", ns.path)});
      }
    }
  }
  for (const linux::MountStep& m : in.launch->mounts) {
    if (!m.bind || m.cgroup_bind_fallback) continue;
    std::string key = Resolve(in.resolve, m.destination);
    out.argv.insert(out.argv.end(),
                    {"--external", absl::StrCat("mnt[", key, "]:", m.source)});
  }
  for (const linux::DeviceStep& d : in.launch->devices) {
    if (!d.bind_from_host) continue;
    out.argv.insert(out.argv.end(),
                    {"--external", absl::StrCat("mnt[", d.path, "]:", d.path)});
  }
  for (size_t i = 0; i < in.cgroup_binds.size(); ++i) {
    out.argv.insert(
        out.argv.end(),
        {"--external", absl::StrCat("mnt[", in.cgroup_binds[i],
                                    "]:", in.cgroup_bind_sources[i])});
  }
  if (!in.launch->masked_paths.empty()) {
    out.argv.insert(out.argv.end(),
                    {"--external",
                     absl::StrCat("mnt[", kMaskedCookie, "]:", kMaskedCookie)});
  }
  for (size_t i = 0; i < in.descriptors.size() && i < 3; ++i) {
    if (absl::StartsWith(in.descriptors[i], "pipe:")) {
      out.argv.insert(
          out.argv.end(),
          {"--inherit-fd", absl::StrCat("fd[", i, "]:", in.descriptors[i])});
    }
  }
  for (size_t i = 0; i < in.stdio_files.size() && i < 3; ++i) {
    if (in.stdio_files[i].empty()) continue;
    out.argv.insert(
        out.argv.end(),
        {"--inherit-fd", absl::StrCat("fd[", i, "]:", in.stdio_files[i])});
  }
  if (!in.tty_key.empty()) {
    if (in.tty_fd < 0) {
      return absl::FailedPreconditionError(
          "the checkpoint holds a terminal (process.terminal): restoring it "
          "needs --console-socket");
    }
    out.argv.insert(
        out.argv.end(),
        {"--inherit-fd", absl::StrCat("fd[", in.tty_fd, "]:", in.tty_key)});
  }
  return out;
}

std::string DescriptorsToJson(const std::vector<std::string>& links) {
  return nlohmann::json(links).dump();
}

absl::StatusOr<std::vector<std::string>> ParseDescriptors(
    absl::string_view json) {
  nlohmann::json j = nlohmann::json::parse(json, nullptr, false);
  if (j.is_discarded() || !j.is_array()) {
    return absl::InvalidArgumentError(
        absl::StrCat(kDescriptorsFile, ": not a JSON array of strings"));
  }
  std::vector<std::string> out;
  for (const nlohmann::json& e : j) {
    if (!e.is_string()) {
      return absl::InvalidArgumentError(
          absl::StrCat(kDescriptorsFile, ": not a JSON array of strings"));
    }
    out.push_back(e.get<std::string>());
  }
  return out;
}

std::string FileKey(uint64_t mnt_id, uint64_t inode) {
  return absl::StrFormat("file[%x:%x]", mnt_id, inode);
}

std::string TtyKey(uint64_t rdev, uint64_t dev) {
  return absl::StrFormat("tty[%x:%x]", rdev, dev);
}

std::string LogTail(absl::string_view log, int lines) {
  std::vector<absl::string_view> all =
      absl::StrSplit(log, '\n', absl::SkipEmpty());
  // criu's first error is the cause; later ones ("Dumping FAILED") follow
  // from it, and warnings it logs as errors (a missing tun) come before.
  // So: every error line, then the lines before the last non-final one.
  std::vector<absl::string_view> errors;
  for (absl::string_view line : all) {
    if (absl::StrContains(line, "Error")) errors.push_back(line);
  }
  if (errors.empty()) {
    size_t begin =
        all.size() > static_cast<size_t>(lines) ? all.size() - lines : 0;
    return absl::StrJoin(all.begin() + begin, all.end(), "\n");
  }
  size_t begin =
      errors.size() > static_cast<size_t>(lines) ? errors.size() - lines : 0;
  return absl::StrJoin(errors.begin() + begin, errors.end(), "\n");
}

}  // namespace crate::criu
