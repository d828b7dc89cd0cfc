#include "runtime/linux/checkpoint.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "runtime/base/errno_status.h"
#include "runtime/base/file_util.h"
#include "runtime/base/status_macros.h"
#include "runtime/base/unique_fd.h"
#include "runtime/cgroups/cgroup.h"
#include "runtime/criu/plan.h"
#include "runtime/criu/run.h"
#include "runtime/linux/cgroup_config.h"
#include "runtime/linux/console.h"
#include "runtime/linux/container.h"
#include "runtime/linux/plan.h"
#include "runtime/linux/secure_join.h"
#include "runtime/linux/state_dir.h"
#include "runtime/oci/spec.h"

namespace crate::linux {
namespace {

constexpr unsigned kPtySlaveMajorFirst = 136;  // UNIX98_PTY_SLAVE_MAJOR
constexpr unsigned kPtySlaveMajorLast = 143;
constexpr uint32_t kCgroupMagic = 0x27e0eb;
constexpr uint32_t kCgroup2Magic = 0x63677270;

bool HostCgroupV2() {
  struct statfs st;
  return statfs("/sys/fs/cgroup", &st) == 0 && st.f_type == kCgroup2Magic;
}

absl::StatusOr<std::string> AbsolutePath(const std::string& path) {
  if (!path.empty() && path[0] == '/') return path;
  char cwd[4096];
  if (getcwd(cwd, sizeof(cwd)) == nullptr) return ErrnoStatus("getcwd");
  if (path.empty() || path == ".") return std::string(cwd);
  return JoinPath(cwd, path);
}

absl::StatusOr<oci::Spec> LoadSpec(const std::string& bundle) {
  std::string config_path = JoinPath(bundle, "config.json");
  ASSIGN_OR_RETURN(std::string text, ReadFile(config_path));
  absl::StatusOr<oci::Spec> spec = oci::ParseSpec(text);
  if (!spec.ok()) return Annotate(spec.status(), config_path);
  RETURN_IF_ERROR(Annotate(oci::ValidateForCreate(*spec), config_path));
  return spec;
}

absl::StatusOr<LaunchPlan> PlanFor(const oci::Spec& spec,
                                   const std::string& bundle) {
  PlanOptions po;
  po.bundle = bundle;
  po.host_cgroup_v2 = HostCgroupV2();
  po.host_apparmor = access("/sys/kernel/security/apparmor", F_OK) == 0;
  po.host_selinux = access("/sys/fs/selinux", F_OK) == 0;
  return MakePlan(spec, po);
}

absl::Status MakeDir(const std::string& path) {
  if (mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) {
    return ErrnoStatus("mkdir", path);
  }
  return absl::OkStatus();
}

// The destination as the container sees it, relative to `rootfs`: what
// criu finds in /proc/PID/mountinfo.
std::function<std::string(const std::string&)> Resolver(
    const std::string& rootfs) {
  return [rootfs](const std::string& dest) {
    absl::StatusOr<std::string> joined = SecureJoin(rootfs, dest);
    if (!joined.ok()) return dest;
    absl::string_view rel = *joined;
    if (!absl::ConsumePrefix(&rel, rootfs) || rel.empty()) return dest;
    return std::string(rel);
  };
}

// The host's v1 (and hybrid cgroup2) hierarchies under /sys/fs/cgroup:
// what a "cgroup" mount of a container on such a host binds.
std::vector<std::string> HostCgroupHierarchies() {
  std::vector<std::string> out;
  absl::StatusOr<std::vector<std::string>> names = ListDir("/sys/fs/cgroup");
  if (!names.ok()) return out;
  for (const std::string& name : *names) {
    std::string path = JoinPath("/sys/fs/cgroup", name);
    struct stat st;
    struct statfs fs;
    if (lstat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) continue;
    if (statfs(path.c_str(), &fs) != 0) continue;
    if (fs.f_type == kCgroupMagic || fs.f_type == kCgroup2Magic) {
      out.push_back(name);
    }
  }
  return out;
}

// The cgroup mount's destination when it is made of binds of host
// hierarchies (a v1 host, no cgroup namespace); empty otherwise.
std::string CgroupBindMount(const LaunchPlan& launch) {
  for (const MountStep& m : launch.mounts) {
    if (m.cgroup_bind_fallback && !m.cgroup_mount_hierarchies) {
      return m.destination;
    }
  }
  return "";
}

absl::StatusOr<std::string> FreezerOf(const std::string& cgroup_path) {
  if (cgroup_path.empty()) return std::string();
  ASSIGN_OR_RETURN(cgroups::Mode mode, cgroups::DetectMode());
  if (mode == cgroups::Mode::kV2) {
    return JoinPath("/sys/fs/cgroup", cgroup_path);
  }
  std::string freezer = JoinPath("/sys/fs/cgroup/freezer", cgroup_path);
  return access(freezer.c_str(), F_OK) == 0 ? freezer : std::string();
}

}  // namespace

absl::Status Checkpoint(const CheckpointOptions& o) {
  ASSIGN_OR_RETURN(ContainerDir dir, ContainerDir::Open(o.root, o.id));
  ASSIGN_OR_RETURN(ContainerRecord r, dir.Load());
  oci::ContainerStatus status = CurrentStatus(r, dir.path());
  if (status != oci::ContainerStatus::kRunning) {
    return absl::FailedPreconditionError(
        absl::StrCat("container \"", o.id, "\" cannot be checkpointed: it is ",
                     oci::StatusName(status)));
  }
  ASSIGN_OR_RETURN(oci::Spec spec, LoadSpec(r.state.bundle));
  ASSIGN_OR_RETURN(LaunchPlan launch, PlanFor(spec, r.state.bundle));
  const pid_t pid = r.state.pid;

  criu::DumpOptions dump = o.dump;
  ASSIGN_OR_RETURN(dump.image_path, AbsolutePath(dump.image_path));
  RETURN_IF_ERROR(MakeDir(dump.image_path));
  if (!dump.work_path.empty()) {
    ASSIGN_OR_RETURN(dump.work_path, AbsolutePath(dump.work_path));
    RETURN_IF_ERROR(MakeDir(dump.work_path));
  }
  if (!dump.parent_path.empty()) {
    std::string parent = JoinPath(dump.image_path, dump.parent_path);
    struct stat st;
    if (dump.parent_path[0] != '/' &&
        (stat(parent.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))) {
      return absl::InvalidArgumentError(
          absl::StrCat("--parent-path: ", parent, " is not a directory"));
    }
  }

  criu::DumpInput in;
  in.spec = &spec;
  in.launch = &launch;
  in.pid = pid;
  in.rootfs = r.rootfs;
  in.resolve = Resolver(r.rootfs);
  ASSIGN_OR_RETURN(in.freezer, FreezerOf(r.cgroup_path));
  if (spec.linux) {
    for (const oci::Namespace& ns : spec.linux->namespaces) {
      if (ns.path.empty()) continue;
      struct stat st;
      if (stat(ns.path.c_str(), &st) != 0) {
        return ErrnoStatus("stat namespace", ns.path);
      }
      in.joined_inodes[ns.type] = st.st_ino;
    }
  }
  const std::string proc_root = absl::StrCat("/proc/", pid, "/root");
  for (const std::string& p : launch.masked_paths) {
    struct stat st;
    if (stat((proc_root + p).c_str(), &st) == 0 && !S_ISDIR(st.st_mode)) {
      in.masked_files.push_back(p);
    }
  }
  std::string cgroup_mount = CgroupBindMount(launch);
  if (!cgroup_mount.empty()) {
    for (const std::string& h : HostCgroupHierarchies()) {
      in.cgroup_binds.push_back(JoinPath(cgroup_mount, h));
    }
  }
  std::vector<std::string> links;
  for (int fd = 0; fd < 3; ++fd) {
    std::string link = absl::StrCat("/proc/", pid, "/fd/", fd);
    char buf[4096];
    ssize_t n = readlink(link.c_str(), buf, sizeof(buf));
    links.push_back(n > 0 ? std::string(buf, n) : std::string("/dev/null"));
    struct stat st;
    bool is_tty = stat(link.c_str(), &st) == 0 && S_ISCHR(st.st_mode) &&
                  major(st.st_rdev) >= kPtySlaveMajorFirst &&
                  major(st.st_rdev) <= kPtySlaveMajorLast;
    if (is_tty && in.tty_key.empty()) {
      in.tty_key = criu::TtyKey(st.st_rdev, st.st_dev);
    }
    // A file the caller gave (its /dev/null, a log) lies outside the
    // container's mounts: criu takes it as external by mount and inode.
    std::string file_key;
    if (!is_tty && !links.back().empty() && links.back()[0] == '/') {
      uint64_t mnt_id = 0;
      absl::StatusOr<std::string> info =
          ReadFile(absl::StrCat("/proc/", pid, "/fdinfo/", fd));
      if (info.ok()) {
        for (absl::string_view line : absl::StrSplit(*info, '\n')) {
          if (absl::ConsumePrefix(&line, "mnt_id:")) {
            (void)absl::SimpleAtoi(absl::StripAsciiWhitespace(line), &mnt_id);
          }
        }
      }
      if (mnt_id != 0) file_key = criu::FileKey(mnt_id, st.st_ino);
    }
    in.stdio_files.push_back(file_key);
  }
  if (!dump.pre_dump) {
    RETURN_IF_ERROR(
        WriteStateFile(JoinPath(dump.image_path, criu::kDescriptorsFile),
                       criu::DescriptorsToJson(links), 0600));
    RETURN_IF_ERROR(
        WriteStateFile(JoinPath(dump.image_path, criu::kStdioFilesFile),
                       criu::DescriptorsToJson(in.stdio_files), 0600));
    std::string tty_info = JoinPath(dump.image_path, criu::kTtyInfoFile);
    if (!in.tty_key.empty()) {
      RETURN_IF_ERROR(WriteStateFile(tty_info, in.tty_key, 0600));
    } else {
      unlink(tty_info.c_str());
    }
  }
  ASSIGN_OR_RETURN(criu::Invocation inv, criu::PlanDump(o.criu, in, dump));
  RETURN_IF_ERROR(
      Annotate(criu::RunCriu(inv),
               absl::StrCat("checkpoint of container \"", o.id, "\"")));
  if (!dump.leave_running && !dump.pre_dump &&
      !WaitStopped(r, dir.path(), 5000)) {
    return absl::DeadlineExceededError(
        absl::StrCat("container \"", o.id, "\" init ", pid,
                     " still runs after criu dumped it"));
  }
  return absl::OkStatus();
}

absl::StatusOr<pid_t> Restore(const RestoreOptions& o) {
  if (geteuid() != 0) {
    return absl::FailedPreconditionError(
        "restore needs root: criu restores process trees as root only");
  }
  ASSIGN_OR_RETURN(std::string bundle, AbsolutePath(o.bundle));
  ASSIGN_OR_RETURN(oci::Spec spec, LoadSpec(bundle));
  const std::string config_path = JoinPath(bundle, "config.json");
  if (spec.process->terminal && o.console_socket.empty() && o.console_fd < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        config_path,
        ": process.terminal is true, which needs --console-socket"));
  }
  ASSIGN_OR_RETURN(LaunchPlan launch, PlanFor(spec, bundle));
  if (o.on_warning) {
    for (const std::string& w : launch.warnings) o.on_warning(w);
  }

  criu::RestoreOptions restore = o.restore;
  ASSIGN_OR_RETURN(restore.image_path, AbsolutePath(restore.image_path));
  if (!restore.work_path.empty()) {
    ASSIGN_OR_RETURN(restore.work_path, AbsolutePath(restore.work_path));
    RETURN_IF_ERROR(MakeDir(restore.work_path));
  }
  criu::RestoreInput in;
  in.spec = &spec;
  in.launch = &launch;
  in.resolve = Resolver(launch.rootfs);
  {
    std::string path = JoinPath(restore.image_path, criu::kDescriptorsFile);
    ASSIGN_OR_RETURN(std::string text, ReadFile(path));
    absl::StatusOr<std::vector<std::string>> d = criu::ParseDescriptors(text);
    if (!d.ok()) return Annotate(d.status(), restore.image_path);
    in.descriptors = *std::move(d);
    absl::StatusOr<std::string> tty =
        ReadFile(JoinPath(restore.image_path, criu::kTtyInfoFile));
    if (tty.ok()) in.tty_key = *tty;
    absl::StatusOr<std::string> files =
        ReadFile(JoinPath(restore.image_path, criu::kStdioFilesFile));
    if (files.ok()) {
      absl::StatusOr<std::vector<std::string>> f =
          criu::ParseDescriptors(*files);
      if (!f.ok()) return Annotate(f.status(), criu::kStdioFilesFile);
      in.stdio_files = *std::move(f);
    }
  }

  // A stopped container of that name (what checkpoint leaves) gives way.
  bool replace = false;
  {
    absl::StatusOr<ContainerDir> old = ContainerDir::Open(o.root, o.id);
    if (old.ok()) {
      absl::StatusOr<ContainerRecord> r = old->Load();
      oci::ContainerStatus status = r.ok() ? CurrentStatus(*r, old->path())
                                           : oci::ContainerStatus::kStopped;
      if (status != oci::ContainerStatus::kStopped) {
        return absl::AlreadyExistsError(absl::StrCat("container \"", o.id,
                                                     "\" exists and is ",
                                                     oci::StatusName(status)));
      }
      replace = true;
    }
  }  // Unlocked here: Delete locks it again.
  if (replace) RETURN_IF_ERROR(Delete(o.root, o.id, /*force=*/false));

  ASSIGN_OR_RETURN(ContainerDir dir, ContainerDir::Create(o.root, o.id));
  bool keep = false;
  absl::Cleanup remove_dir = [&] {
    if (!keep) dir.Remove().IgnoreError();
  };

  const std::string cgroup_path = CgroupPathFor(spec, o.id);
  cgroups::Options cg_options;
  cg_options.path = cgroup_path;
  ASSIGN_OR_RETURN(std::unique_ptr<cgroups::Cgroup> cgroup,
                   cgroups::OpenCgroup(cg_options));
  absl::Cleanup destroy_cgroup = [&] {
    if (!keep) cgroup->Destroy(/*force=*/true).IgnoreError();
  };
  RETURN_IF_ERROR(
      Annotate(cgroup->Create(), absl::StrCat("cgroup ", cgroup_path)));
  if (spec.linux && spec.linux->resources) {
    RETURN_IF_ERROR(Annotate(cgroup->Apply(CgroupResourcesFor(spec)),
                             absl::StrCat("cgroup ", cgroup_path)));
  }
  in.cgroup_path = cgroup->path();

  // criu wants the root a mount point whose parent is not overmounted.
  in.root = JoinPath(dir.path(), "criu-root");
  if (mkdir(in.root.c_str(), 0755) != 0) return ErrnoStatus("mkdir", in.root);
  if (mount(launch.rootfs.c_str(), in.root.c_str(), nullptr, MS_BIND | MS_REC,
            nullptr) != 0) {
    absl::Status s =
        ErrnoStatus(absl::StrCat("bind ", launch.rootfs, " on"), in.root);
    rmdir(in.root.c_str());
    return s;
  }
  absl::Cleanup unmount_root = [&] {
    umount2(in.root.c_str(), MNT_DETACH);
    rmdir(in.root.c_str());
  };
  // Mount points create would have made (a fresh rootfs lacks them); those
  // on a tmpfs come back with the tmpfs's content.
  std::vector<std::string> tmpfs;
  for (const MountStep& m : launch.mounts) {
    if (m.fstype == "tmpfs") tmpfs.push_back(m.destination + "/");
  }
  for (const MountStep& m : launch.mounts) {
    if (m.cgroup_bind_fallback) continue;
    bool on_tmpfs = false;
    for (const std::string& t : tmpfs) {
      on_tmpfs |= absl::StartsWith(m.destination, t);
    }
    if (on_tmpfs) continue;
    struct stat st;
    if (m.bind && stat(m.source.c_str(), &st) == 0 && !S_ISDIR(st.st_mode)) {
      size_t slash = m.destination.rfind('/');
      RETURN_IF_ERROR(SecureMkdirAll(in.root, m.destination.substr(
                                                  0, slash == 0 ? 1 : slash))
                          .status());
      ASSIGN_OR_RETURN(std::string target, SecureJoin(in.root, m.destination));
      UniqueFd fd(open(target.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0644));
      if (!fd && errno != EISDIR) return ErrnoStatus("create", target);
    } else {
      RETURN_IF_ERROR(SecureMkdirAll(in.root, m.destination).status());
    }
  }
  std::string cgroup_mount = CgroupBindMount(launch);
  if (!cgroup_mount.empty()) {
    for (const std::string& h : HostCgroupHierarchies()) {
      in.cgroup_binds.push_back(JoinPath(cgroup_mount, h));
      in.cgroup_bind_sources.push_back(
          JoinPath(JoinPath("/sys/fs/cgroup", h), cgroup->path()));
    }
  }

  criu::RunOptions run;
  std::vector<UniqueFd> keep_open;
  int next_fd = 3;
  if (spec.linux) {
    for (const oci::Namespace& ns : spec.linux->namespaces) {
      if (ns.path.empty() || (ns.type != oci::NamespaceType::kNetwork &&
                              ns.type != oci::NamespaceType::kPid)) {
        continue;
      }
      UniqueFd fd(open(ns.path.c_str(), O_RDONLY | O_CLOEXEC));
      if (!fd) return ErrnoStatus("open namespace", ns.path);
      in.joined_fds[ns.type] = next_fd;
      run.fds[next_fd++] = fd.get();
      keep_open.push_back(std::move(fd));
    }
  }
  UniqueFd master;
  if (!in.tty_key.empty() && (!o.console_socket.empty() || o.console_fd >= 0)) {
    master = UniqueFd(open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC));
    if (!master) return ErrnoStatus("open", "/dev/ptmx");
    char name[128];
    if (grantpt(master.get()) != 0 || unlockpt(master.get()) != 0 ||
        ptsname_r(master.get(), name, sizeof(name)) != 0) {
      return ErrnoStatus("unlock pty", "/dev/ptmx");
    }
    UniqueFd slave(open(name, O_RDWR | O_NOCTTY | O_CLOEXEC));
    if (!slave) return ErrnoStatus("open", name);
    in.tty_fd = next_fd;
    run.fds[next_fd++] = slave.get();
    keep_open.push_back(std::move(slave));
  }
  in.pid_file = JoinPath(dir.path(), "criu.pid");
  run.before_exec = [&](pid_t criu_pid) { return cgroup->AddPid(criu_pid); };

  ASSIGN_OR_RETURN(criu::Invocation inv,
                   criu::PlanRestore(o.criu, in, restore));
  RETURN_IF_ERROR(
      Annotate(criu::RunCriu(inv, run),
               absl::StrCat("restore of container \"", o.id, "\"")));
  keep_open.clear();
  ASSIGN_OR_RETURN(std::string pid_text, ReadFile(in.pid_file));
  pid_t pid = 0;
  if (!absl::SimpleAtoi(absl::StripAsciiWhitespace(pid_text), &pid) ||
      pid <= 0) {
    return absl::InternalError(absl::StrCat(in.pid_file, ": criu wrote \"",
                                            pid_text, "\", not a pid"));
  }
  // From here a failure must not leave the restored tree running; the
  // cgroup's destruction kills it.
  if (master) {
    UniqueFd socket;
    int socket_fd = o.console_fd;
    if (!o.console_socket.empty()) {
      ASSIGN_OR_RETURN(socket, ConnectConsoleSocket(o.console_socket));
      socket_fd = socket.get();
    }
    RETURN_IF_ERROR(SendFd(socket_fd, master.get(), "/dev/ptmx"));
  }

  ContainerRecord record;
  record.state.oci_version = spec.oci_version;
  record.state.id = o.id;
  record.state.status = oci::ContainerStatus::kRunning;
  record.state.pid = pid;
  record.state.bundle = bundle;
  record.state.annotations = spec.annotations;
  record.init_start_time = ProcessStartTime(pid);
  record.created = NowRfc3339();
  record.rootfs = launch.rootfs;
  record.cgroup_path = cgroup_path;
  record.owner = geteuid();
  record.poststart = spec.hooks.poststart;
  record.poststop = spec.hooks.poststop;
  RETURN_IF_ERROR(dir.Save(record));
  if (!o.pid_file.empty()) RETURN_IF_ERROR(WritePidFile(o.pid_file, pid));
  keep = true;
  return pid;
}

}  // namespace crate::linux
