#include "api/server/activation.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "runtime/base/errno_status.h"
#include "runtime/base/file_util.h"
#include "runtime/base/status_macros.h"

namespace crate::server {
namespace {

constexpr int kFirstListenFd = 3;  // SD_LISTEN_FDS_START

absl::StatusOr<sockaddr_un> UnixAddress(const std::string& path) {
  sockaddr_un addr = {};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof(addr.sun_path)) {
    return absl::InvalidArgumentError(
        absl::StrCat("socket path \"", path, "\" is longer than ",
                     sizeof(addr.sun_path) - 1, " bytes"));
  }
  memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  return addr;
}

// Whether something accepts connections on the socket file `path`.
bool Answers(const sockaddr_un& addr) {
  UniqueFd fd(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) return false;
  return connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr),
                 sizeof(addr)) == 0;
}

std::string DirName(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

}  // namespace

ActivationEnv CurrentActivationEnv() {
  return {getpid(), getenv("LISTEN_PID"), getenv("LISTEN_FDS")};
}

absl::StatusOr<std::vector<int>> InheritedSockets(const ActivationEnv& env) {
  if (env.listen_pid == nullptr || env.listen_fds == nullptr) {
    return std::vector<int>{};
  }
  int64_t pid = 0, count = 0;
  if (!absl::SimpleAtoi(env.listen_pid, &pid) || pid <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("LISTEN_PID: not a pid: \"", env.listen_pid, "\""));
  }
  // Meant for the process that exec'd us, not for us.
  if (pid != env.pid) return std::vector<int>{};
  if (!absl::SimpleAtoi(env.listen_fds, &count) || count < 0 || count > 64) {
    return absl::InvalidArgumentError(absl::StrCat(
        "LISTEN_FDS: not a count of sockets: \"", env.listen_fds, "\""));
  }
  std::vector<int> fds;
  for (int i = 0; i < count; ++i) fds.push_back(kFirstListenFd + i);
  return fds;
}

absl::StatusOr<UniqueFd> ListenUnix(const UnixListenOptions& options) {
  ASSIGN_OR_RETURN(sockaddr_un addr, UnixAddress(options.path));
  std::string dir = DirName(options.path);
  if (!PathExists(dir)) RETURN_IF_ERROR(MakeDirs(dir, 0711));
  if (PathExists(options.path)) {
    if (Answers(addr)) {
      return absl::AlreadyExistsError(
          absl::StrCat("a service already answers on ", options.path));
    }
    if (unlink(options.path.c_str()) != 0 && errno != ENOENT) {
      return ErrnoStatus("remove stale socket", options.path);
    }
  }
  UniqueFd fd(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) return ErrnoStatus("socket for", options.path);
  // The mode applies from the first moment, not after a chmod race.
  mode_t old_umask = umask(0777 & ~options.mode);
  int rc =
      bind(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof(addr));
  int bind_errno = errno;
  umask(old_umask);
  if (rc != 0) {
    errno = bind_errno;
    return ErrnoStatus("bind", options.path);
  }
  if (!options.group.empty()) {
    if (struct group* g = getgrnam(options.group.c_str())) {
      if (chown(options.path.c_str(), static_cast<uid_t>(-1), g->gr_gid) != 0) {
        return ErrnoStatus(absl::StrCat("give group ", options.group),
                           options.path);
      }
    }
  }
  if (listen(fd.get(), 128) != 0) return ErrnoStatus("listen", options.path);
  return fd;
}

absl::StatusOr<std::string> UnixSocketPath(int fd) {
  sockaddr_un addr = {};
  socklen_t len = sizeof(addr);
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    return ErrnoStatus(absl::StrCat("getsockname of fd ", fd));
  }
  if (addr.sun_family != AF_UNIX || addr.sun_path[0] == '\0') {
    return absl::InvalidArgumentError(
        absl::StrCat("fd ", fd, " is not a unix socket bound to a path"));
  }
  return std::string(addr.sun_path,
                     strnlen(addr.sun_path, sizeof(addr.sun_path)));
}

}  // namespace crate::server
