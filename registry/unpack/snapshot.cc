#include "registry/unpack/snapshot.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "registry/unpack/fs_walk.h"
#include "registry/unpack/layer.h"
#include "runtime/base/errno_status.h"
#include "runtime/base/file_lock.h"
#include "runtime/base/file_util.h"
#include "runtime/base/status_macros.h"
#include "runtime/base/unique_fd.h"

namespace crate::registry {
namespace {

absl::StatusOr<std::string> ChainHex(const std::string& chain_id) {
  absl::string_view hex(chain_id);
  if (!absl::ConsumePrefix(&hex, "sha256:") || hex.size() != 64 ||
      !std::all_of(hex.begin(), hex.end(), [](char c) {
        return absl::ascii_isdigit(c) || (c >= 'a' && c <= 'f');
      })) {
    return absl::InvalidArgumentError(
        absl::StrCat("chain ID \"", chain_id, "\" is not a sha256 digest"));
  }
  return std::string(hex);
}

}  // namespace

std::string OverlayMount::Options() const {
  return absl::StrCat("lowerdir=", absl::StrJoin(lower_dirs, ":"),
                      ",upperdir=", upper_dir, ",workdir=", work_dir,
                      userxattr ? ",userxattr" : "");
}

namespace {

// The new mount API takes lower directories one at a time ("lowerdir+",
// Linux 6.8), so the number of layers is not bounded by a page of options.
absl::Status MountWithFsconfig(const OverlayMount& m) {
  UniqueFd fs(fsopen("overlay", FSOPEN_CLOEXEC));
  if (!fs) return ErrnoStatus("fsopen overlay for", m.target);
  auto fail = [&](absl::string_view what) {
    int err = errno;
    // The kernel explains fsconfig failures in messages read from the fd.
    char msg[512];
    ssize_t n = read(fs.get(), msg, sizeof(msg) - 1);
    absl::Status s = ErrnoToStatus(err, what, m.target);
    if (n > 0) s = Annotate(s, std::string(msg, static_cast<size_t>(n)));
    return s;
  };
  for (const std::string& dir : m.lower_dirs) {
    if (fsconfig(fs.get(), FSCONFIG_SET_STRING, "lowerdir+", dir.c_str(), 0) !=
        0) {
      return fail(absl::StrCat("overlay lowerdir+ ", dir, " for"));
    }
  }
  if (fsconfig(fs.get(), FSCONFIG_SET_STRING, "upperdir", m.upper_dir.c_str(),
               0) != 0 ||
      fsconfig(fs.get(), FSCONFIG_SET_STRING, "workdir", m.work_dir.c_str(),
               0) != 0) {
    return fail("overlay upperdir/workdir for");
  }
  if (m.userxattr &&
      fsconfig(fs.get(), FSCONFIG_SET_FLAG, "userxattr", nullptr, 0) != 0) {
    return fail("overlay userxattr for");
  }
  if (fsconfig(fs.get(), FSCONFIG_CMD_CREATE, nullptr, nullptr, 0) != 0) {
    return fail("create overlay for");
  }
  UniqueFd mnt(fsmount(fs.get(), FSMOUNT_CLOEXEC, 0));
  if (!mnt) return fail("fsmount overlay for");
  if (move_mount(mnt.get(), "", AT_FDCWD, m.target.c_str(),
                 MOVE_MOUNT_F_EMPTY_PATH) != 0) {
    return ErrnoStatus("move_mount overlay to", m.target);
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status SyscallMounter::Mount(const OverlayMount& m) {
  std::string options = m.Options();
  // mount(2) takes at most a page of options.
  if (options.size() < static_cast<size_t>(sysconf(_SC_PAGESIZE))) {
    if (mount("overlay", m.target.c_str(), "overlay", 0, options.c_str()) !=
        0) {
      return ErrnoStatus("mount overlay on", m.target);
    }
    return absl::OkStatus();
  }
  absl::Status s = MountWithFsconfig(m);
  if (!s.ok()) {
    return Annotate(s, absl::StrCat(m.lower_dirs.size(),
                                    " layers are too many for mount(2) "
                                    "options, and the new mount API failed"));
  }
  return absl::OkStatus();
}

absl::Status SyscallMounter::Unmount(const std::string& target) {
  if (umount2(target.c_str(), MNT_DETACH) != 0 && errno != EINVAL &&
      errno != ENOENT) {
    return ErrnoStatus("unmount", target);
  }
  return absl::OkStatus();
}

bool OverlaySupported() {
  absl::StatusOr<std::string> fs = ReadFile("/proc/filesystems");
  return fs.ok() && absl::StrContains(*fs, "\toverlay\n");
}

absl::StatusOr<std::unique_ptr<SnapshotStore>> SnapshotStore::Open(
    const std::string& root) {
  for (const char* sub : {"snapshots", "locks", "containers"}) {
    RETURN_IF_ERROR(MakeDirs(JoinPath(root, sub), 0700));
  }
  return std::unique_ptr<SnapshotStore>(new SnapshotStore(root));
}

absl::StatusOr<std::string> SnapshotStore::FsDir(
    const std::string& chain_id) const {
  ASSIGN_OR_RETURN(std::string hex, ChainHex(chain_id));
  return JoinPath(JoinPath(JoinPath(root_, "snapshots"), hex), "fs");
}

bool SnapshotStore::Exists(const std::string& chain_id) const {
  absl::StatusOr<std::string> fs = FsDir(chain_id);
  return fs.ok() && PathExists(*fs);
}

absl::StatusOr<std::string> SnapshotStore::Ensure(const std::string& chain_id,
                                                  const Unpacker& unpack) {
  ASSIGN_OR_RETURN(std::string hex, ChainHex(chain_id));
  ASSIGN_OR_RETURN(std::string fs, FsDir(chain_id));
  if (PathExists(fs)) return fs;
  ASSIGN_OR_RETURN(
      FileLock lock,
      FileLock::Acquire(JoinPath(JoinPath(root_, "locks"), hex + ".lock")));
  if (PathExists(fs)) return fs;  // Unpacked while we waited.

  std::string snapshots = JoinPath(root_, "snapshots");
  std::string tmp =
      JoinPath(snapshots, absl::StrCat(".tmp-", hex, "-", getpid()));
  RETURN_IF_ERROR(RemoveTree(tmp));
  RETURN_IF_ERROR(MakeDirs(tmp, 0700));
  // overlayfs needs to traverse the snapshot as the container's users.
  if (chmod(tmp.c_str(), 0755) != 0) return ErrnoStatus("chmod", tmp);
  std::string tmp_fs = JoinPath(tmp, "fs");
  absl::Status s = unpack(tmp_fs);
  if (s.ok() && !PathExists(tmp_fs)) {
    s = MakeDirs(tmp_fs, 0755);  // An empty layer.
  }
  if (s.ok()) {
    std::string final_dir = JoinPath(snapshots, hex);
    if (rename(tmp.c_str(), final_dir.c_str()) != 0) {
      s = ErrnoStatus("rename snapshot to", final_dir);
    }
  }
  if (!s.ok()) {
    RemoveTree(tmp).IgnoreError();
    return Annotate(s, absl::StrCat("snapshot ", chain_id));
  }
  return fs;
}

absl::StatusOr<std::vector<std::string>> SnapshotStore::List() const {
  ASSIGN_OR_RETURN(std::vector<std::string> names,
                   ListDir(JoinPath(root_, "snapshots")));
  std::vector<std::string> out;
  for (const std::string& n : names) {
    if (absl::StartsWith(n, ".")) continue;
    out.push_back("sha256:" + n);
  }
  return out;
}

absl::Status SnapshotStore::Remove(const std::string& chain_id) {
  ASSIGN_OR_RETURN(std::string hex, ChainHex(chain_id));
  ASSIGN_OR_RETURN(
      FileLock lock,
      FileLock::Acquire(JoinPath(JoinPath(root_, "locks"), hex + ".lock")));
  std::string dir = JoinPath(JoinPath(root_, "snapshots"), hex);
  // Renamed first so that a crash halfway never leaves a partial snapshot
  // under its real name.
  std::string doomed = JoinPath(JoinPath(root_, "snapshots"),
                                absl::StrCat(".tmp-rm-", hex, "-", getpid()));
  if (rename(dir.c_str(), doomed.c_str()) != 0) {
    if (errno == ENOENT) return absl::OkStatus();
    return ErrnoStatus("rename", dir);
  }
  return RemoveTree(doomed);
}

absl::Status SnapshotStore::CleanupTemporary() {
  std::string snapshots = JoinPath(root_, "snapshots");
  ASSIGN_OR_RETURN(std::vector<std::string> names, ListDir(snapshots));
  for (const std::string& n : names) {
    if (!absl::StartsWith(n, ".tmp-")) continue;
    // The hex is right after ".tmp-" (or ".tmp-rm-"); hold its lock so a
    // live unpack is left alone.
    std::vector<std::string> parts = absl::StrSplit(n, '-');
    std::string hex = parts.size() >= 3 ? parts[parts.size() - 2] : "";
    if (hex.size() != 64) continue;
    absl::StatusOr<FileLock> lock =
        FileLock::TryAcquire(JoinPath(JoinPath(root_, "locks"), hex + ".lock"));
    if (!lock.ok()) continue;
    RETURN_IF_ERROR(RemoveTree(JoinPath(snapshots, n)));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> SnapshotStore::ContainerDir(
    const std::string& id) const {
  if (id.empty() || id == "." || id == ".." ||
      id.find('/') != std::string::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("container ID \"", id, "\" is not a plain name"));
  }
  return JoinPath(JoinPath(root_, "containers"), id);
}

absl::StatusOr<OverlayMount> SnapshotStore::Prepare(
    const std::string& container_id,
    const std::vector<std::string>& chain_ids) {
  ASSIGN_OR_RETURN(std::string dir, ContainerDir(container_id));
  OverlayMount m;
  for (auto it = chain_ids.rbegin(); it != chain_ids.rend(); ++it) {
    ASSIGN_OR_RETURN(std::string fs, FsDir(*it));
    if (!PathExists(fs)) {
      return absl::NotFoundError(absl::StrCat(
          "container ", container_id, ": snapshot ", *it, " is not unpacked"));
    }
    m.lower_dirs.push_back(fs);
  }
  m.upper_dir = JoinPath(dir, "upper");
  m.work_dir = JoinPath(dir, "work");
  m.target = JoinPath(dir, "rootfs");
  m.userxattr = !HaveRealRoot();
  if (m.lower_dirs.empty()) {
    // overlayfs needs a lower layer; an image without layers gets an empty one.
    std::string empty = JoinPath(dir, "empty");
    RETURN_IF_ERROR(MakeDirs(empty, 0755));
    m.lower_dirs.push_back(empty);
  }
  for (const std::string& d : {m.upper_dir, m.work_dir, m.target}) {
    RETURN_IF_ERROR(MakeDirs(d, 0755));
  }
  return m;
}

absl::StatusOr<std::string> SnapshotStore::PrepareCopy(
    const std::string& container_id,
    const std::vector<std::string>& chain_ids) {
  ASSIGN_OR_RETURN(std::string dir, ContainerDir(container_id));
  std::string rootfs = JoinPath(dir, "rootfs");
  RETURN_IF_ERROR(MakeDirs(rootfs, 0755));
  for (const std::string& id : chain_ids) {
    ASSIGN_OR_RETURN(std::string fs, FsDir(id));
    absl::Status s = CopyLayerOver(fs, rootfs);
    if (!s.ok()) {
      RemoveTree(dir).IgnoreError();
      return Annotate(s, absl::StrCat("container ", container_id));
    }
  }
  return rootfs;
}

absl::Status SnapshotStore::Release(const std::string& container_id) {
  ASSIGN_OR_RETURN(std::string dir, ContainerDir(container_id));
  return RemoveTree(dir);
}

}  // namespace crate::registry
