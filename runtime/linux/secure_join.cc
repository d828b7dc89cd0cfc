#include "runtime/linux/secure_join.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "runtime/base/errno_status.h"
#include "runtime/base/file_util.h"

namespace crate::linux {
namespace {

constexpr int kMaxSymlinks = 255;

std::string Render(const std::string& root,
                   const std::vector<std::string>& parts) {
  if (parts.empty()) return root;
  std::string out = root;
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  for (const std::string& p : parts) {
    if (out != "/") out += '/';
    out += p;
  }
  return out;
}

}  // namespace

absl::StatusOr<std::string> SecureJoin(const std::string& root,
                                       absl::string_view unsafe_path) {
  std::vector<std::string> resolved;
  // Components still to walk, in reverse order so that a symlink's target
  // can be pushed in front of what remains.
  std::vector<std::string> pending;
  for (absl::string_view c : absl::StrSplit(unsafe_path, '/')) {
    if (!c.empty()) pending.emplace_back(c);
  }
  std::reverse(pending.begin(), pending.end());
  int links = 0;
  while (!pending.empty()) {
    std::string c = std::move(pending.back());
    pending.pop_back();
    if (c == ".") continue;
    if (c == "..") {
      if (!resolved.empty()) resolved.pop_back();
      continue;
    }
    resolved.push_back(c);
    std::string host = Render(root, resolved);
    struct stat st;
    if (lstat(host.c_str(), &st) != 0) {
      if (errno == ENOENT || errno == ENOTDIR) continue;
      return ErrnoStatus("lstat", host);
    }
    if (!S_ISLNK(st.st_mode)) continue;
    if (++links > kMaxSymlinks) {
      return ErrnoToStatus(ELOOP, "resolve", absl::StrCat(root, unsafe_path));
    }
    char buf[PATH_MAX];
    ssize_t n = readlink(host.c_str(), buf, sizeof(buf) - 1);
    if (n < 0) return ErrnoStatus("readlink", host);
    absl::string_view target(buf, static_cast<size_t>(n));
    resolved.pop_back();
    if (!target.empty() && target[0] == '/') resolved.clear();
    std::vector<std::string> more;
    for (absl::string_view t : absl::StrSplit(target, '/')) {
      if (!t.empty()) more.emplace_back(t);
    }
    for (auto it = more.rbegin(); it != more.rend(); ++it) {
      pending.push_back(*it);
    }
  }
  return Render(root, resolved);
}

absl::StatusOr<std::string> SecureMkdirAll(const std::string& root,
                                           absl::string_view unsafe_path,
                                           mode_t mode) {
  absl::StatusOr<std::string> path = SecureJoin(root, unsafe_path);
  if (!path.ok()) return path;
  absl::Status s = MakeDirs(*path, mode);
  if (!s.ok()) return s;
  return path;
}

absl::StatusOr<UniqueFd> OpenInRoot(const std::string& root,
                                    const std::string& host_path) {
  absl::string_view rel = host_path;
  if (!absl::ConsumePrefix(&rel, root) ||
      (!rel.empty() && rel.front() != '/')) {
    return absl::InvalidArgumentError(
        absl::StrCat("open in root: ", host_path, " is not beneath ", root));
  }
  while (!rel.empty() && rel.front() == '/') rel.remove_prefix(1);
  if (rel.empty()) rel = ".";
  UniqueFd dir(open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!dir) return ErrnoStatus("open", root);
  struct open_how how = {};
  how.flags = O_PATH | O_CLOEXEC;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  std::string path(rel);
  int fd = static_cast<int>(
      syscall(SYS_openat2, dir.get(), path.c_str(), &how, sizeof(how)));
  // EAGAIN: a rename raced the lookup; the kernel asks for a retry.
  for (int i = 0; fd < 0 && errno == EAGAIN && i < 16; ++i) {
    fd = static_cast<int>(
        syscall(SYS_openat2, dir.get(), path.c_str(), &how, sizeof(how)));
  }
  if (fd < 0) return ErrnoStatus("open in root", host_path);
  return UniqueFd(fd);
}

std::string ProcFdPath(int fd) { return absl::StrCat("/proc/self/fd/", fd); }

}  // namespace crate::linux
