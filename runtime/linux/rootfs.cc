#include "runtime/linux/rootfs.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/mount.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "runtime/base/errno_status.h"
#include "runtime/base/file_util.h"
#include "runtime/base/status_macros.h"
#include "runtime/base/unique_fd.h"
#include "runtime/linux/kernel.h"
#include "runtime/linux/secure_join.h"

namespace crate::linux {
namespace {

std::string Describe(const char* op, const std::string& source,
                     const std::string& target) {
  return absl::StrCat(op, " ", source.empty() ? "" : source + " on ", target);
}

// Flags the kernel locks on a mount seen from a less privileged user
// namespace; a remount that leaves them out is refused with EPERM.
unsigned long LockedFlags(const std::string& path) {
  struct statvfs st;
  if (statvfs(path.c_str(), &st) != 0) return 0;
  unsigned long out = 0;
  if (st.f_flag & ST_NOSUID) out |= MS_NOSUID;
  if (st.f_flag & ST_NODEV) out |= MS_NODEV;
  if (st.f_flag & ST_NOEXEC) out |= MS_NOEXEC;
  if (st.f_flag & ST_RDONLY) out |= MS_RDONLY;
  if (st.f_flag & ST_NOATIME) out |= MS_NOATIME;
  if (st.f_flag & ST_NODIRATIME) out |= MS_NODIRATIME;
  if (st.f_flag & ST_RELATIME) out |= MS_RELATIME;
  return out;
}

// Carries out the plan through a Kernel, so tests can record the calls.
// Copies the tree under `from` into the existing directory `to`, keeping
// modes, owners and symlinks; other special files are skipped.
absl::Status CopyTree(const std::string& from, const std::string& to) {
  absl::StatusOr<std::vector<std::string>> entries = ListDir(from);
  if (!entries.ok()) return entries.status();
  for (const std::string& e : *entries) {
    std::string src = JoinPath(from, e), dst = JoinPath(to, e);
    struct stat st;
    if (lstat(src.c_str(), &st) != 0) return ErrnoStatus("lstat", src);
    if (S_ISDIR(st.st_mode)) {
      if (mkdir(dst.c_str(), st.st_mode & 07777) != 0) {
        return ErrnoStatus("mkdir", dst);
      }
      RETURN_IF_ERROR(CopyTree(src, dst));
    } else if (S_ISLNK(st.st_mode)) {
      char link[4096];
      ssize_t n = readlink(src.c_str(), link, sizeof(link) - 1);
      if (n < 0) return ErrnoStatus("readlink", src);
      link[n] = '\0';
      if (symlink(link, dst.c_str()) != 0) return ErrnoStatus("symlink", dst);
    } else if (S_ISREG(st.st_mode)) {
      UniqueFd in(open(src.c_str(), O_RDONLY | O_CLOEXEC));
      if (!in) return ErrnoStatus("open", src);
      UniqueFd out(open(dst.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
                        st.st_mode & 07777));
      if (!out) return ErrnoStatus("create", dst);
      char buf[65536];
      ssize_t n;
      while ((n = read(in.get(), buf, sizeof(buf))) > 0) {
        if (write(out.get(), buf, static_cast<size_t>(n)) != n) {
          return ErrnoStatus("write", dst);
        }
      }
      if (n < 0) return ErrnoStatus("read", src);
    } else {
      continue;
    }
    if (lchown(dst.c_str(), st.st_uid, st.st_gid) != 0 && errno != EPERM) {
      return ErrnoStatus("chown", dst);
    }
    if (!S_ISLNK(st.st_mode)) chmod(dst.c_str(), st.st_mode & 07777);
  }
  return absl::OkStatus();
}

// The mount point holding `path` if that mount is shared or unbindable
// (what a rootfsPropagation of "shared" or "unbindable" made it), else "".
std::string ParentMountOf(const std::string& path) {
  absl::StatusOr<std::string> mountinfo = ReadFile("/proc/self/mountinfo");
  if (!mountinfo.ok()) return "";
  std::string best;
  bool best_needs_private = false;
  for (absl::string_view line : absl::StrSplit(*mountinfo, '\n')) {
    std::vector<absl::string_view> f = absl::StrSplit(line, ' ');
    if (f.size() < 7) continue;
    std::string point(f[4]);
    bool inside =
        point == "/" || path == point || absl::StartsWith(path, point + "/");
    if (!inside || point.size() < best.size()) continue;
    best = point;
    best_needs_private = false;
    for (size_t i = 6; i < f.size() && f[i] != "-"; ++i) {
      if (absl::StartsWith(f[i], "shared:") || f[i] == "unbindable") {
        best_needs_private = true;
      }
    }
  }
  return best_needs_private ? best : "";
}

class Builder {
 public:
  explicit Builder(Kernel& k, const std::vector<int>* idmapped_fds = nullptr)
      : k_(k), idmapped_fds_(idmapped_fds) {}

  absl::Status Remount(const std::string& target, unsigned long flags) {
    flags |= MS_BIND | MS_REMOUNT;
    if (k_.Mount(nullptr, target.c_str(), nullptr, flags, nullptr) == 0) {
      return absl::OkStatus();
    }
    if (errno == EPERM) {
      unsigned long locked = LockedFlags(target) & ~MS_RDONLY;
      if (k_.Mount(nullptr, target.c_str(), nullptr, flags | locked, nullptr) ==
          0) {
        return absl::OkStatus();
      }
    }
    return ErrnoStatus("remount", target);
  }

  absl::Status SetRecursiveAttrs(const std::string& target, unsigned long set,
                                 unsigned long clear) {
    auto attrs = [](unsigned long ms) {
      uint64_t a = 0;
      if (ms & MS_RDONLY) a |= MOUNT_ATTR_RDONLY;
      if (ms & MS_NOSUID) a |= MOUNT_ATTR_NOSUID;
      if (ms & MS_NODEV) a |= MOUNT_ATTR_NODEV;
      if (ms & MS_NOEXEC) a |= MOUNT_ATTR_NOEXEC;
      if (ms & MS_NODIRATIME) a |= MOUNT_ATTR_NODIRATIME;
      if (ms & MS_NOATIME) a |= MOUNT_ATTR_NOATIME;
      if (ms & MS_STRICTATIME) a |= MOUNT_ATTR_STRICTATIME;
      if (ms & 256 /* MS_NOSYMFOLLOW */) a |= 0x00200000;
      return a;
    };
    struct mount_attr attr = {};
    attr.attr_set = attrs(set);
    attr.attr_clr = attrs(clear);
    if (k_.MountSetattr(target.c_str(), &attr) != 0) {
      return ErrnoStatus("mount_setattr", target);
    }
    return absl::OkStatus();
  }

  // A bind target has the type of its source: a directory or an empty file.
  absl::StatusOr<std::string> MakeBindTarget(const std::string& root,
                                             const std::string& source,
                                             const std::string& dest) {
    struct stat st;
    if (stat(source.c_str(), &st) != 0) return ErrnoStatus("stat", source);
    if (S_ISDIR(st.st_mode)) return SecureMkdirAll(root, dest);
    size_t slash = dest.rfind('/');
    RETURN_IF_ERROR(
        SecureMkdirAll(root, dest.substr(0, slash == 0 ? 1 : slash)).status());
    ASSIGN_OR_RETURN(std::string target, SecureJoin(root, dest));
    UniqueFd fd(open(target.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0644));
    if (!fd && errno != EISDIR) return ErrnoStatus("create", target);
    return target;
  }

  // A "cgroup" mount on a v1 or hybrid host, as runc makes it: a tmpfs at
  // the destination and, for each hierarchy the host mounts under
  // /sys/fs/cgroup, a bind of the init's own cgroup there, so the container
  // sees its limits (memory.limit_in_bytes) and not the host's tree.
  absl::Status MountCgroupTree(const std::string& root, const MountStep& m) {
    ASSIGN_OR_RETURN(std::string target, SecureMkdirAll(root, m.destination));
    {
      ASSIGN_OR_RETURN(UniqueFd pinned, OpenInRoot(root, target));
      if (k_.Mount("tmpfs", ProcFdPath(pinned.get()).c_str(), "tmpfs",
                   MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=755") != 0) {
        return ErrnoStatus("mount tmpfs on", target);
      }
    }
    // "4:memory:/crate/abc", "1:name=systemd:/", "0::/crate/abc".
    ASSIGN_OR_RETURN(std::string cgroups, ReadFile("/proc/self/cgroup"));
    std::map<std::set<std::string>, std::string> path_of;
    std::set<std::string> tokens;
    for (absl::string_view line : absl::StrSplit(cgroups, '\n')) {
      std::vector<std::string> f =
          absl::StrSplit(line, absl::MaxSplits(':', 2));
      if (f.size() != 3) continue;
      std::set<std::string> key;
      for (absl::string_view c : absl::StrSplit(f[1], ',', absl::SkipEmpty())) {
        key.insert(std::string(c));
        tokens.insert(std::string(c));
      }
      path_of[key] = f[2];
    }
    ASSIGN_OR_RETURN(std::string mountinfo, ReadFile("/proc/self/mountinfo"));
    const std::string host_base = "/sys/fs/cgroup/";
    for (absl::string_view line : absl::StrSplit(mountinfo, '\n')) {
      // id parent dev root mountpoint opts [optional...] - fstype source super
      std::vector<std::string> f = absl::StrSplit(line, ' ');
      size_t dash = 0;
      while (dash < f.size() && f[dash] != "-") ++dash;
      if (f.size() < 5 || dash + 3 >= f.size()) continue;
      const std::string& fstype = f[dash + 1];
      const std::string& mount_root = f[3];
      const std::string& point = f[4];
      // Like runc, only the v1 hierarchies: a hybrid host's unified tree
      // stays out of the container.
      if (fstype != "cgroup" || !absl::StartsWith(point, host_base)) {
        continue;
      }
      std::string name = point.substr(host_base.size());
      if (name.empty() || name.find('/') != std::string::npos) continue;
      std::set<std::string> key;
      if (fstype == "cgroup") {
        for (absl::string_view o : absl::StrSplit(f[dash + 3], ',')) {
          if (tokens.count(std::string(o)) != 0) key.insert(std::string(o));
        }
      }
      auto it = path_of.find(key);
      if (it == path_of.end()) continue;
      std::string dest = JoinPath(target, name);
      if (mkdir(dest.c_str(), 0755) != 0 && errno != EEXIST) {
        return ErrnoStatus("mkdir", dest);
      }
      if (m.cgroup_mount_hierarchies) {
        // The hierarchy is found by its controllers (or name=); a mount
        // naming only a name= must say "none" or the kernel takes all.
        bool named_only = true;
        for (const std::string& k : key) {
          if (!absl::StartsWith(k, "name=")) named_only = false;
        }
        std::string data = absl::StrJoin(key, ",");
        if (named_only) data = absl::StrCat("none,", data);
        if (k_.Mount("cgroup", dest.c_str(), "cgroup",
                     m.flags & ~(MS_BIND | MS_REC | MS_REMOUNT),
                     data.c_str()) != 0) {
          return ErrnoStatus(absl::StrCat("mount cgroup (", data, ") on"),
                             dest);
        }
        continue;
      }
      std::string rel = it->second;
      if (mount_root != "/" && absl::StartsWith(rel, mount_root)) {
        rel = rel.substr(mount_root.size());
      }
      std::string source = JoinPath(point, rel);
      if (k_.Mount(source.c_str(), dest.c_str(), nullptr, MS_BIND, nullptr) !=
          0) {
        return ErrnoStatus(Describe("bind mount", source, ""), dest);
      }
      RETURN_IF_ERROR(Remount(dest, m.flags & ~(MS_BIND | MS_REC)));
    }
    // The host's aliases of co-mounted controllers ("cpu" -> "cpu,cpuacct").
    absl::StatusOr<std::vector<std::string>> entries =
        ListDir("/sys/fs/cgroup");
    if (entries.ok()) {
      for (const std::string& e : *entries) {
        char link[256];
        std::string host = host_base + e;
        ssize_t n = readlink(host.c_str(), link, sizeof(link) - 1);
        if (n <= 0) continue;
        link[n] = '\0';
        std::string dest = JoinPath(target, e);
        if (symlink(link, dest.c_str()) != 0 && errno != EEXIST) {
          return ErrnoStatus("symlink", dest);
        }
      }
    }
    // The tmpfs itself stays writable, as runc leaves it; the binds carry
    // the mount's flags (ro).
    return absl::OkStatus();
  }

  // runc's way: the tmpfs is mounted aside, filled with a copy of what the
  // destination holds, then moved over it.
  absl::Status MountTmpCopyUp(const MountStep& m, const std::string& root,
                              const std::string& target) {
    char aside[] = "/tmp/crate-tmpcopyup.XXXXXX";
    if (mkdtemp(aside) == nullptr) return ErrnoStatus("mkdtemp", aside);
    absl::Cleanup remove_aside = [&] { rmdir(aside); };
    if (k_.Mount(m.source.c_str(), aside, "tmpfs", m.flags,
                 m.data.empty() ? nullptr : m.data.c_str()) != 0) {
      return ErrnoStatus(absl::StrCat("mount tmpfs (", m.source, ") on"),
                         aside);
    }
    absl::Status s = CopyTree(target, aside);
    absl::StatusOr<UniqueFd> pinned = OpenInRoot(root, target);
    if (s.ok() && !pinned.ok()) s = pinned.status();
    if (s.ok() && k_.Mount(aside, ProcFdPath(pinned->get()).c_str(), nullptr,
                           MS_MOVE, nullptr) != 0) {
      s = ErrnoStatus(absl::StrCat("move tmpfs from ", aside, " to"), target);
    }
    if (!s.ok()) k_.Umount2(aside, MNT_DETACH);
    return s;
  }

  // An idmapped file system other than a bind: the one the runtime made
  // (`detached`), or, for an unprivileged runtime, one made here in the
  // container's user namespace with an idmap user namespace of its own.
  // tmpcopyup fills it before it covers the image's directory.
  absl::Status MountIdmappedFs(const std::string& root, const MountStep& m,
                               const std::string& target, int detached) {
    UniqueFd made;
    if (m.idmap_in_init) {
      ASSIGN_OR_RETURN(made, k_.OpenFs(m.fstype, m.source, m.flags, m.data));
      ASSIGN_OR_RETURN(UniqueFd userns,
                       k_.MakeUserNamespace(m.idmap_uids, m.idmap_gids));
      RETURN_IF_ERROR(
          Annotate(k_.SetIdmap(made.get(), userns.get(), m.idmap_recursive),
                   absl::StrCat("idmapped ", m.fstype)));
      detached = made.get();
    }
    if (m.tmpcopyup) {
      RETURN_IF_ERROR(Annotate(CopyTree(target, ProcFdPath(detached)),
                               "tmpcopyup into idmapped tmpfs"));
    }
    ASSIGN_OR_RETURN(UniqueFd pinned, OpenInRoot(root, target));
    if (k_.MoveMount(detached, ProcFdPath(pinned.get()).c_str()) != 0) {
      return ErrnoStatus(
          absl::StrCat("move idmapped ", m.fstype, " (", m.source, ") to"),
          target);
    }
    return absl::OkStatus();
  }

  // cgroup2, with the fallbacks of MountStep::cgroup2_bind_fallback.
  absl::Status MountCgroup2(const std::string& root, const MountStep& m,
                            const std::string& target) {
    const char* data = m.data.empty() ? nullptr : m.data.c_str();
    // Returns the errno of the mount, 0 when it worked.
    auto mount_cgroup2 = [&]() -> absl::StatusOr<int> {
      ASSIGN_OR_RETURN(UniqueFd pinned, OpenInRoot(root, target));
      if (k_.Mount(m.source.c_str(), ProcFdPath(pinned.get()).c_str(),
                   "cgroup2", m.flags, data) != 0) {
        return errno;
      }
      return 0;
    };
    auto failed = [&](int err, absl::string_view also) {
      errno = err;
      absl::Status s = ErrnoStatus(
          absl::StrCat("mount cgroup2 (", m.source, ") on"), target);
      if (also.empty()) return s;
      return absl::Status(s.code(), absl::StrCat(s.message(), " (", also, ")"));
    };
    ASSIGN_OR_RETURN(int err, mount_cgroup2());
    if (err == 0) return absl::OkStatus();
    if (err != EBUSY && err != EPERM) return failed(err, "");
    if (err == EBUSY) {
      // The same superblock cannot be mounted again on its own root.
      ASSIGN_OR_RETURN(UniqueFd pinned, OpenInRoot(root, target));
      if (k_.Mount("tmpfs", ProcFdPath(pinned.get()).c_str(), "tmpfs", 0,
                   "nr_blocks=1,nr_inodes=1") != 0) {
        return failed(err,
                      absl::StrCat("and a tmpfs under it: ", strerror(errno)));
      }
      ASSIGN_OR_RETURN(err, mount_cgroup2());
      if (err == 0) return absl::OkStatus();
      ASSIGN_OR_RETURN(UniqueFd tmpfs, OpenInRoot(root, target));
      k_.Umount2(ProcFdPath(tmpfs.get()).c_str(), MNT_DETACH);
      if (!m.cgroup2_bind_fallback) {
        return failed(err, "again on a tmpfs under it");
      }
    }
    if (!m.cgroup2_bind_fallback) return failed(err, "");
    ASSIGN_OR_RETURN(UniqueFd pinned, OpenInRoot(root, target));
    if (k_.Mount("/sys/fs/cgroup", ProcFdPath(pinned.get()).c_str(), nullptr,
                 MS_BIND | MS_REC, nullptr) != 0) {
      return failed(
          err, absl::StrCat("and binding /sys/fs/cgroup: ", strerror(errno)));
    }
    ASSIGN_OR_RETURN(UniqueFd mounted, OpenInRoot(root, target));
    return Annotate(
        Remount(ProcFdPath(mounted.get()), m.flags & ~(MS_REC | MS_BIND)),
        target);
  }

  // `detached`: with an idmapped mount, the tree the runtime prepared, to
  // move in place of the bind or new file system.
  absl::Status DoMount(const std::string& root, const MountStep& m,
                       int detached) {
    if (m.cgroup_bind_fallback) return MountCgroupTree(root, m);
    std::string target;
    if (m.bind) {
      ASSIGN_OR_RETURN(target, MakeBindTarget(root, m.source, m.destination));
      ASSIGN_OR_RETURN(UniqueFd pinned, OpenInRoot(root, target));
      unsigned long first = MS_BIND | (m.flags & MS_REC);
      if (detached >= 0) {
        if (k_.MoveMount(detached, ProcFdPath(pinned.get()).c_str()) != 0) {
          return ErrnoStatus(Describe("move idmapped mount", m.source, ""),
                             target);
        }
      } else if (k_.Mount(m.source.c_str(), ProcFdPath(pinned.get()).c_str(),
                          nullptr, first, nullptr) != 0) {
        return ErrnoStatus(Describe("bind mount", m.source, ""), target);
      }
    } else {
      ASSIGN_OR_RETURN(target, SecureMkdirAll(root, m.destination));
      if (m.idmap) {
        RETURN_IF_ERROR(MountIdmappedFs(root, m, target, detached));
      } else if (m.tmpcopyup) {
        return MountTmpCopyUp(m, root, target);
      } else if (m.fstype == "cgroup2") {
        return MountCgroup2(root, m, target);
      } else {
        ASSIGN_OR_RETURN(UniqueFd pinned, OpenInRoot(root, target));
        if (k_.Mount(m.source.c_str(), ProcFdPath(pinned.get()).c_str(),
                     m.fstype.c_str(), m.flags,
                     m.data.empty() ? nullptr : m.data.c_str()) != 0) {
          return ErrnoStatus(
              absl::StrCat("mount ", m.fstype, " (", m.source, ") on"), target);
        }
      }
    }
    if (!m.remount_after_bind && m.recursive_set == 0 &&
        m.recursive_clear == 0 && m.propagation == 0) {
      return absl::OkStatus();
    }
    // Opened anew, the target is now the root of the new mount: the changes
    // below apply to it and not to whatever the path names by then.
    ASSIGN_OR_RETURN(UniqueFd mounted, OpenInRoot(root, target));
    const std::string at = ProcFdPath(mounted.get());
    if (m.bind && m.remount_after_bind) {
      RETURN_IF_ERROR(Annotate(Remount(at, m.flags & ~MS_REC), target));
    }
    if (m.recursive_set != 0 || m.recursive_clear != 0) {
      RETURN_IF_ERROR(Annotate(
          SetRecursiveAttrs(at, m.recursive_set, m.recursive_clear), target));
    }
    if (m.propagation != 0) {
      unsigned long flags =
          m.propagation | (m.propagation_recursive ? MS_REC : 0);
      if (k_.Mount(nullptr, at.c_str(), nullptr, flags, nullptr) != 0) {
        return ErrnoStatus("set propagation of", target);
      }
    }
    return absl::OkStatus();
  }

  absl::Status MakeDevice(const std::string& root, const DeviceStep& d) {
    size_t slash = d.path.rfind('/');
    RETURN_IF_ERROR(
        SecureMkdirAll(root, d.path.substr(0, slash == 0 ? 1 : slash))
            .status());
    ASSIGN_OR_RETURN(std::string target, SecureJoin(root, d.path));
    if (!d.bind_from_host) {
      mode_t type = d.type == 'b' ? S_IFBLK : d.type == 'p' ? S_IFIFO : S_IFCHR;
      dev_t dev = makedev(d.major, d.minor);
      int rc = k_.Mknod(target.c_str(), type | d.mode, dev);
      if (rc != 0 && errno == EEXIST) {
        unlink(target.c_str());
        rc = k_.Mknod(target.c_str(), type | d.mode, dev);
      }
      if (rc == 0) {
        if (k_.Chown(target.c_str(), d.uid, d.gid) != 0) {
          return ErrnoStatus("chown", target);
        }
        return absl::OkStatus();
      }
      if (errno != EPERM) return ErrnoStatus("mknod", target);
    }
    // Without CAP_MKNOD in the initial user namespace: bind the host's node.
    UniqueFd fd(open(target.c_str(),
                     O_CREAT | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0000));
    if (!fd) return ErrnoStatus("create", target);
    ASSIGN_OR_RETURN(UniqueFd pinned, OpenInRoot(root, target));
    if (k_.Mount(d.path.c_str(), ProcFdPath(pinned.get()).c_str(), nullptr,
                 MS_BIND, nullptr) != 0) {
      return ErrnoStatus(Describe("bind mount", d.path, ""), target);
    }
    // As crun does: a node bound from the host is a device, never a program
    // or a setuid file, whatever the host's /dev allows.
    ASSIGN_OR_RETURN(UniqueFd mounted, OpenInRoot(root, target));
    return Annotate(Remount(ProcFdPath(mounted.get()), MS_NOSUID | MS_NOEXEC),
                    target);
  }

  absl::Status MakeSymlink(const std::string& root, const SymlinkStep& s) {
    ASSIGN_OR_RETURN(std::string link, SecureJoin(root, s.link));
    if (symlink(s.target.c_str(), link.c_str()) == 0) return absl::OkStatus();
    if (errno != EEXIST) return ErrnoStatus("symlink", link);
    if (s.link == "/dev/ptmx") {
      // A device node from the devices list would hide the devpts ptmx.
      unlink(link.c_str());
      if (symlink(s.target.c_str(), link.c_str()) != 0) {
        return ErrnoStatus("symlink", link);
      }
    }
    return absl::OkStatus();
  }

  absl::Status PrepareRootfs(const LaunchPlan& plan) {
    if (!plan.mount_namespace) return absl::OkStatus();
    if (k_.Mount(nullptr, "/", nullptr, plan.rootfs_propagation, nullptr) !=
        0) {
      return ErrnoStatus("set propagation of", "/");
    }
    // pivot_root refuses a new root whose parent mount is shared (and a
    // bind under a shared mount would propagate to the host), and nothing
    // binds out of an unbindable one: with a "shared" or "unbindable"
    // rootfsPropagation, make that parent private, as runc does. The
    // container's own "/" gets the propagation after pivot_root.
    std::string parent = ParentMountOf(plan.rootfs);
    if (!parent.empty() &&
        k_.Mount(nullptr, parent.c_str(), nullptr, MS_PRIVATE, nullptr) != 0) {
      return ErrnoStatus("make parent mount private", parent);
    }
    // pivot_root needs the new root to be a mount point.
    if (k_.Mount(plan.rootfs.c_str(), plan.rootfs.c_str(), nullptr,
                 MS_BIND | MS_REC, nullptr) != 0) {
      return ErrnoStatus("bind mount rootfs", plan.rootfs);
    }
    for (size_t i = 0; i < plan.mounts.size(); ++i) {
      const MountStep& m = plan.mounts[i];
      int detached = -1;
      if (m.idmap && !m.idmap_in_init) {
        if (idmapped_fds_ == nullptr || i >= idmapped_fds_->size() ||
            (*idmapped_fds_)[i] < 0) {
          return absl::InternalError(absl::StrCat(
              "mount ", m.destination, ": idmapped tree was not prepared"));
        }
        detached = (*idmapped_fds_)[i];
      }
      absl::Status s = DoMount(plan.rootfs, m, detached);
      if (!s.ok()) {
        // An idmapped mount's error is the kernel's about the spec's
        // mounts[i] (plan.mounts[i]), which the caller may not see else.
        return Annotate(
            s, m.idmap ? absl::StrCat("mounts[", i, "] (", m.destination, ")")
                       : absl::StrCat("mount ", m.destination));
      }
    }
    for (const DeviceStep& d : plan.devices) {
      RETURN_IF_ERROR(Annotate(MakeDevice(plan.rootfs, d),
                               absl::StrCat("device ", d.path)));
    }
    for (const SymlinkStep& s : plan.symlinks) {
      RETURN_IF_ERROR(MakeSymlink(plan.rootfs, s));
    }
    if (!plan.process.cwd.empty()) {
      RETURN_IF_ERROR(SecureMkdirAll(plan.rootfs, plan.process.cwd).status());
    }
    return absl::OkStatus();
  }

  // rootfsPropagation is about the container's "/", which only exists as
  // such after pivot_root.
  absl::Status ApplyRootPropagation(const LaunchPlan& plan) {
    if (k_.Mount(nullptr, "/", nullptr, plan.rootfs_propagation, nullptr) !=
        0) {
      return ErrnoStatus("set propagation of", "/");
    }
    return absl::OkStatus();
  }

  // From inside the rootfs: it replaces / in this mount namespace, the old
  // root staying underneath (what `--no-pivot` asks for).
  absl::Status MoveRootAndChroot(const LaunchPlan& plan) {
    if (k_.Mount(plan.rootfs.c_str(), "/", nullptr, MS_MOVE, nullptr) != 0) {
      return ErrnoStatus("move mount to /", plan.rootfs);
    }
    if (k_.Chroot(".") != 0) return ErrnoStatus("chroot", plan.rootfs);
    if (k_.Chdir("/") != 0) return ErrnoStatus("chdir", "/");
    return ApplyRootPropagation(plan);
  }

  // Whether `root_fd` is the kernel's initial rootfs (a ramfs, or a tmpfs
  // with CONFIG_TMPFS), which no process can pivot away from.
  static bool OnInitialRamfs(int root_fd) {
    struct statfs fs;
    if (fstatfs(root_fd, &fs) != 0) return false;
    return fs.f_type == RAMFS_MAGIC || fs.f_type == TMPFS_MAGIC;
  }

  absl::Status EnterRootfs(const LaunchPlan& plan) {
    if (!plan.mount_namespace) {
      if (k_.Chroot(plan.rootfs.c_str()) != 0) {
        return ErrnoStatus("chroot", plan.rootfs);
      }
      if (k_.Chdir("/") != 0) return ErrnoStatus("chdir", "/");
      return absl::OkStatus();
    }
    if (!plan.pivot_root) {
      if (k_.Chdir(plan.rootfs.c_str()) != 0) {
        return ErrnoStatus("chdir", plan.rootfs);
      }
      return MoveRootAndChroot(plan);
    }
    UniqueFd old_root(open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC));
    if (!old_root) return ErrnoStatus("open", "/");
    UniqueFd new_root(
        open(plan.rootfs.c_str(), O_DIRECTORY | O_RDONLY | O_CLOEXEC));
    if (!new_root) return ErrnoStatus("open", plan.rootfs);
    if (k_.Fchdir(new_root.get()) != 0)
      return ErrnoStatus("chdir", plan.rootfs);
    // pivot_root(".", ".") stacks the old root on top of the new one, so no
    // directory for it has to exist in the rootfs.
    if (k_.PivotRoot(".", ".") != 0) {
      // The initial ramfs can never be pivoted away from (pivot_root(2):
      // EINVAL): a host booted from one runs containers as --no-pivot does.
      if (errno == EINVAL && OnInitialRamfs(old_root.get())) {
        return MoveRootAndChroot(plan);
      }
      return ErrnoStatus("pivot_root", plan.rootfs);
    }
    if (k_.Fchdir(old_root.get()) != 0) return ErrnoStatus("chdir", "old root");
    // Unmounting must not reach the host's mounts through shared peers.
    if (k_.Mount(nullptr, ".", nullptr, MS_SLAVE | MS_REC, nullptr) != 0) {
      return ErrnoStatus("set propagation of", "old root");
    }
    if (k_.Umount2(".", MNT_DETACH) != 0)
      return ErrnoStatus("umount", "old root");
    if (k_.Chdir("/") != 0) return ErrnoStatus("chdir", "/");
    return ApplyRootPropagation(plan);
  }

  absl::Status FinishRootfs(const LaunchPlan& plan) {
    for (const std::string& p : plan.masked_paths) {
      struct stat st;
      if (stat(p.c_str(), &st) != 0) {
        if (errno == ENOENT) continue;
        return ErrnoStatus("stat masked path", p);
      }
      int rc =
          S_ISDIR(st.st_mode)
              ? k_.Mount("tmpfs", p.c_str(), "tmpfs", MS_RDONLY, "size=0k")
              : k_.Mount("/dev/null", p.c_str(), nullptr, MS_BIND, nullptr);
      if (rc != 0) return ErrnoStatus("mask", p);
    }
    for (const std::string& p : plan.readonly_paths) {
      if (k_.Mount(p.c_str(), p.c_str(), nullptr, MS_BIND | MS_REC, nullptr) !=
          0) {
        if (errno == ENOENT) continue;
        return ErrnoStatus("bind read-only path", p);
      }
      RETURN_IF_ERROR(Remount(p, MS_RDONLY | MS_REC));
    }
    if (plan.rootfs_readonly && plan.mount_namespace) {
      RETURN_IF_ERROR(Remount("/", MS_RDONLY | LockedFlags("/")));
    }
    return absl::OkStatus();
  }

  absl::Status ApplyIdentity(const LaunchPlan& plan) {
    if (!plan.hostname.empty() &&
        k_.Sethostname(plan.hostname.data(), plan.hostname.size()) != 0) {
      return ErrnoStatus("sethostname", plan.hostname);
    }
    if (!plan.domainname.empty() &&
        k_.Setdomainname(plan.domainname.data(), plan.domainname.size()) != 0) {
      return ErrnoStatus("setdomainname", plan.domainname);
    }
    for (const auto& [key, value] : plan.sysctl) {
      std::string path =
          absl::StrCat("/proc/sys/", absl::StrReplaceAll(key, {{".", "/"}}));
      RETURN_IF_ERROR(Annotate(WriteExistingFile(path, value),
                               absl::StrCat("sysctl ", key)));
    }
    return absl::OkStatus();
  }

 private:
  Kernel& k_;
  const std::vector<int>* idmapped_fds_;
};

}  // namespace

absl::Status PrepareRootfs(const LaunchPlan& plan, Kernel& kernel) {
  return Builder(kernel).PrepareRootfs(plan);
}
absl::Status PrepareRootfs(const LaunchPlan& plan,
                           const std::vector<int>& idmapped_fds,
                           Kernel& kernel) {
  return Builder(kernel, &idmapped_fds).PrepareRootfs(plan);
}
absl::Status EnterRootfs(const LaunchPlan& plan, Kernel& kernel) {
  return Builder(kernel).EnterRootfs(plan);
}
absl::Status FinishRootfs(const LaunchPlan& plan, Kernel& kernel) {
  return Builder(kernel).FinishRootfs(plan);
}
absl::Status ApplyIdentity(const LaunchPlan& plan, Kernel& kernel) {
  return Builder(kernel).ApplyIdentity(plan);
}

}  // namespace crate::linux
