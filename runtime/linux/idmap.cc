#include "runtime/linux/idmap.h"

#include <fcntl.h>
#include <linux/mount.h>
#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <utility>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "runtime/base/errno_status.h"
#include "runtime/base/file_util.h"
#include "runtime/base/status_macros.h"

#ifndef SYS_mount_setattr
#define SYS_mount_setattr 442
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

}  // namespace

absl::StatusOr<UniqueFd> MakeUserNamespace(
    const std::vector<oci::IdMapping>& uids,
    const std::vector<oci::IdMapping>& gids) {
  int hold[2];
  if (pipe2(hold, O_CLOEXEC) != 0) return ErrnoStatus("pipe");
  UniqueFd hold_read(hold[0]), hold_write(hold[1]);
  pid_t child = static_cast<pid_t>(syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD,
                                           nullptr, nullptr, nullptr, nullptr));
  if (child < 0) return ErrnoStatus("clone user namespace for idmapped mount");
  if (child == 0) {
    // Only async-signal-safe calls: the caller may have threads. The child
    // lives until the caller has the namespace's fd and closes the pipe.
    close(hold[1]);
    char c;
    while (read(hold[0], &c, 1) < 0 && errno == EINTR) {
    }
    _exit(0);
  }
  hold_read.Reset();
  absl::Cleanup reap = [&] {
    hold_write.Reset();
    waitpid(child, nullptr, 0);
  };
  std::string proc = absl::StrCat("/proc/", child);
  RETURN_IF_ERROR(WriteExistingFile(proc + "/uid_map", RenderMaps(uids)));
  RETURN_IF_ERROR(WriteExistingFile(proc + "/gid_map", RenderMaps(gids)));
  std::string ns = proc + "/ns/user";
  UniqueFd fd(open(ns.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return ErrnoStatus("open", ns);
  return std::move(fd);
}

absl::StatusOr<UniqueFd> OpenIdmappedTree(const std::string& source,
                                          bool recursive, int userns_fd) {
  unsigned flags =
      OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0);
  UniqueFd tree(static_cast<int>(
      syscall(SYS_open_tree, AT_FDCWD, source.c_str(), flags)));
  if (!tree) return ErrnoStatus("open_tree (clone)", source);
  struct mount_attr attr = {};
  attr.attr_set = MOUNT_ATTR_IDMAP;
  attr.userns_fd = static_cast<uint64_t>(userns_fd);
  if (syscall(SYS_mount_setattr, tree.get(), "",
              AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &attr,
              sizeof(attr)) != 0) {
    return ErrnoStatus(
        "mount_setattr MOUNT_ATTR_IDMAP (does the file system "
        "support idmapped mounts?) on",
        source);
  }
  return std::move(tree);
}

}  // namespace crate::linux
