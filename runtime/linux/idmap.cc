#include "runtime/linux/idmap.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <utility>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "runtime/base/errno_status.h"
#include "runtime/base/file_util.h"
#include "runtime/base/status_macros.h"

#ifndef SYS_mount_setattr
#define SYS_mount_setattr 442
#endif
#ifndef MOUNT_ATTR_NOSYMFOLLOW
#define MOUNT_ATTR_NOSYMFOLLOW 0x00200000
#endif

namespace crate::linux {
namespace {

std::string RenderMaps(const std::vector<oci::IdMapping>& maps) {
  std::string out;
  for (const oci::IdMapping& m : maps) {
    absl::StrAppend(&out, m.container_id, " ", m.host_id, " ", m.size, "\n");
  }
  return out;
}

uint64_t MountAttrs(unsigned long ms) {
  uint64_t a = 0;
  if (ms & MS_RDONLY) a |= MOUNT_ATTR_RDONLY;
  if (ms & MS_NOSUID) a |= MOUNT_ATTR_NOSUID;
  if (ms & MS_NODEV) a |= MOUNT_ATTR_NODEV;
  if (ms & MS_NOEXEC) a |= MOUNT_ATTR_NOEXEC;
  if (ms & MS_NODIRATIME) a |= MOUNT_ATTR_NODIRATIME;
  if (ms & MS_NOATIME) {
    a |= MOUNT_ATTR_NOATIME;
  } else if (ms & MS_STRICTATIME) {
    a |= MOUNT_ATTR_STRICTATIME;
  }
  if (ms & 256 /* MS_NOSYMFOLLOW */) a |= MOUNT_ATTR_NOSYMFOLLOW;
  return a;
}

// "a=1,context=\"x:y:c1,c2\",b" -> {"a=1", "context=x:y:c1,c2", "b"}: a
// comma inside double quotes (an SELinux level) does not split.
std::vector<std::string> SplitData(const std::string& data) {
  std::vector<std::string> out;
  std::string cur;
  bool quoted = false;
  for (char c : data) {
    if (c == '"') {
      quoted = !quoted;
    } else if (c == ',' && !quoted) {
      if (!cur.empty()) out.push_back(std::move(cur));
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) out.push_back(std::move(cur));
  return out;
}

// What the kernel logged on a file system context ("e tmpfs: Bad value
// for 'size'"), to say why fsconfig failed.
std::string FsLog(int fs_fd) {
  std::string out;
  char buf[512];
  for (int i = 0; i < 8; ++i) {
    ssize_t n = read(fs_fd, buf, sizeof(buf));
    if (n <= 0) break;
    absl::StrAppend(&out, out.empty() ? "" : "; ",
                    absl::StripAsciiWhitespace(absl::string_view(buf, n)));
  }
  return out;
}

absl::Status FsError(int fs_fd, const std::string& op) {
  int err = errno;
  std::string log = FsLog(fs_fd);
  errno = err;
  return ErrnoStatus(log.empty() ? op : absl::StrCat(op, " (", log, ")"));
}

}  // namespace

absl::StatusOr<UniqueFd> MakeUserNamespace(
    const std::vector<oci::IdMapping>& uids,
    const std::vector<oci::IdMapping>& gids) {
  int hold[2], report[2];
  if (pipe2(hold, O_CLOEXEC) != 0) return ErrnoStatus("pipe");
  UniqueFd hold_read(hold[0]), hold_write(hold[1]);
  if (pipe2(report, O_CLOEXEC) != 0) return ErrnoStatus("pipe");
  UniqueFd report_read(report[0]), report_write(report[1]);
  pid_t child = static_cast<pid_t>(syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD,
                                           nullptr, nullptr, nullptr, nullptr));
  if (child < 0) return ErrnoStatus("clone user namespace for idmapped mount");
  if (child == 0) {
    // Only async-signal-safe calls: the caller may have threads. The child
    // says its pid as /proc knows it (the caller may be a container init
    // in a new pid namespace whose /proc is still the host's), then lives
    // until the caller has the namespace's fd and closes the pipe.
    close(hold[1]);
    char pid[32];
    ssize_t n = readlink("/proc/self", pid, sizeof(pid));
    if (n > 0) {
      ssize_t w = write(report[1], pid, static_cast<size_t>(n));
      (void)w;
    }
    close(report[1]);
    char c;
    while (read(hold[0], &c, 1) < 0 && errno == EINTR) {
    }
    _exit(0);
  }
  hold_read.Reset();
  report_write.Reset();
  absl::Cleanup reap = [&] {
    hold_write.Reset();
    waitpid(child, nullptr, 0);
  };
  char buf[32];
  ssize_t n;
  while ((n = read(report_read.get(), buf, sizeof(buf))) < 0 &&
         errno == EINTR) {
  }
  int proc_pid = 0;
  if (n <= 0 || !absl::SimpleAtoi(absl::string_view(buf, n), &proc_pid)) {
    return absl::InternalError(
        "user namespace for idmapped mount: its process did not say its "
        "pid (is /proc mounted?)");
  }
  std::string proc = absl::StrCat("/proc/", proc_pid);
  RETURN_IF_ERROR(WriteExistingFile(proc + "/uid_map", RenderMaps(uids)));
  RETURN_IF_ERROR(WriteExistingFile(proc + "/gid_map", RenderMaps(gids)));
  std::string ns = proc + "/ns/user";
  UniqueFd fd(open(ns.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return ErrnoStatus("open", ns);
  return fd;
}

absl::StatusOr<UniqueFd> OpenDetachedFs(const std::string& fstype,
                                        const std::string& source,
                                        unsigned long flags,
                                        const std::string& data) {
  UniqueFd fs(
      static_cast<int>(syscall(SYS_fsopen, fstype.c_str(), FSOPEN_CLOEXEC)));
  if (!fs) return ErrnoStatus(absl::StrCat("fsopen ", fstype));
  if (!source.empty() && syscall(SYS_fsconfig, fs.get(), FSCONFIG_SET_STRING,
                                 "source", source.c_str(), 0) != 0) {
    return FsError(fs.get(),
                   absl::StrCat("fsconfig ", fstype, " source=", source));
  }
  // Superblock flags are file system options; the others are the mount's.
  std::vector<std::string> options = SplitData(data);
  if (flags & MS_RDONLY) options.push_back("ro");
  if (flags & MS_SYNCHRONOUS) options.push_back("sync");
  if (flags & MS_DIRSYNC) options.push_back("dirsync");
  if (flags & MS_LAZYTIME) options.push_back("lazytime");
  for (const std::string& o : options) {
    size_t eq = o.find('=');
    long rc = eq == std::string::npos
                  ? syscall(SYS_fsconfig, fs.get(), FSCONFIG_SET_FLAG,
                            o.c_str(), nullptr, 0)
                  : syscall(SYS_fsconfig, fs.get(), FSCONFIG_SET_STRING,
                            o.substr(0, eq).c_str(), o.c_str() + eq + 1, 0);
    if (rc != 0) {
      return FsError(fs.get(), absl::StrCat("fsconfig ", fstype, " ", o));
    }
  }
  if (syscall(SYS_fsconfig, fs.get(), FSCONFIG_CMD_CREATE, nullptr, nullptr,
              0) != 0) {
    return FsError(fs.get(), absl::StrCat("create ", fstype, " (fsconfig)"));
  }
  UniqueFd mnt(static_cast<int>(
      syscall(SYS_fsmount, fs.get(), FSMOUNT_CLOEXEC, MountAttrs(flags))));
  if (!mnt) return FsError(fs.get(), absl::StrCat("fsmount ", fstype));
  return mnt;
}

absl::Status SetIdmap(int tree_fd, int userns_fd, bool recursive) {
  struct mount_attr attr = {};
  attr.attr_set = MOUNT_ATTR_IDMAP;
  attr.userns_fd = static_cast<uint64_t>(userns_fd);
  if (syscall(SYS_mount_setattr, tree_fd, "",
              AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &attr,
              sizeof(attr)) == 0) {
    return absl::OkStatus();
  }
  int err = errno;
  const char* why =
      err == EINVAL ? " (this file system type cannot be idmapped)"
      : err == EPERM
          ? " (needs CAP_SYS_ADMIN in the user namespace owning the file "
            "system)"
          : "";
  return absl::Status(
      ErrnoToCode(err),
      absl::StrCat("mount_setattr MOUNT_ATTR_IDMAP: ", strerror(err), why));
}

absl::StatusOr<UniqueFd> PrepareIdmappedMount(const MountStep& m) {
  ASSIGN_OR_RETURN(UniqueFd userns,
                   MakeUserNamespace(m.idmap_uids, m.idmap_gids));
  UniqueFd tree;
  if (m.bind) {
    unsigned flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC |
                     ((m.flags & MS_REC) ? AT_RECURSIVE : 0);
    tree.Reset(static_cast<int>(
        syscall(SYS_open_tree, AT_FDCWD, m.source.c_str(), flags)));
    if (!tree) return ErrnoStatus("open_tree (clone)", m.source);
  } else {
    ASSIGN_OR_RETURN(tree, OpenDetachedFs(m.fstype, m.source, m.flags, m.data));
  }
  RETURN_IF_ERROR(
      Annotate(SetIdmap(tree.get(), userns.get(), m.idmap_recursive),
               m.bind ? absl::StrCat("idmapped bind of ", m.source)
                      : absl::StrCat("idmapped ", m.fstype)));
  return tree;
}

}  // namespace crate::linux
