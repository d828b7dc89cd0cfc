#include "runtime/shim/control_socket.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

#include "absl/strings/str_cat.h"
#include "runtime/base/errno_status.h"

namespace crate::shim {
namespace {

constexpr int kBacklog = 64;

// A socket address for `path`. One longer than sun_path holds (a deep run
// directory, a 64-hex container ID) is reached through an O_PATH fd of
// its directory, "/proc/self/fd/N/shim.sock", which `dir` keeps open for
// the bind or connect.
absl::StatusOr<struct sockaddr_un> Address(const std::string& path,
                                           UniqueFd* dir) {
  struct sockaddr_un addr = {};
  addr.sun_family = AF_UNIX;
  std::string name = path;
  if (path.size() >= sizeof(addr.sun_path)) {
    size_t slash = path.rfind('/');
    if (slash == std::string::npos || slash == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("shim socket path \"", path, "\" is too long"));
    }
    std::string parent = path.substr(0, slash);
    dir->Reset(open(parent.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!*dir) return ErrnoStatus("open the directory of shim socket", path);
    name = absl::StrCat("/proc/self/fd/", dir->get(), path.substr(slash));
  }
  if (name.empty() || name.size() >= sizeof(addr.sun_path)) {
    return absl::InvalidArgumentError(absl::StrCat("shim socket path \"", path,
                                                   "\" is empty or its name is "
                                                   "longer than ",
                                                   sizeof(addr.sun_path) - 1,
                                                   " bytes"));
  }
  memcpy(addr.sun_path, name.data(), name.size());
  return addr;
}

absl::StatusOr<UniqueFd> Socket(int flags) {
  UniqueFd fd(socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | flags, 0));
  if (!fd) return ErrnoStatus("socket AF_UNIX SOCK_SEQPACKET");
  return fd;
}

int Bind(int fd, const struct sockaddr_un& addr) {
  return bind(fd, reinterpret_cast<const struct sockaddr*>(&addr),
              sizeof(addr));
}

}  // namespace

absl::StatusOr<UniqueFd> ListenControlSocket(const std::string& path) {
  UniqueFd dir;
  absl::StatusOr<struct sockaddr_un> addr = Address(path, &dir);
  if (!addr.ok()) return addr.status();
  absl::StatusOr<UniqueFd> fd = Socket(SOCK_NONBLOCK);
  if (!fd.ok()) return fd.status();
  // bind(2) gives the file the socket inode's mode less the umask, so the
  // file is never more open than 0600, not even until a chmod.
  if (fchmod(fd->get(), 0600) != 0) return ErrnoStatus("fchmod", path);
  if (Bind(fd->get(), *addr) != 0) {
    if (errno != EADDRINUSE) return ErrnoStatus("bind", path);
    if (ConnectControlSocket(path).ok()) {
      return absl::AlreadyExistsError(
          absl::StrCat("shim socket ", path, ": another shim answers on it"));
    }
    if (unlink(path.c_str()) != 0 && errno != ENOENT) {
      return ErrnoStatus("remove stale shim socket", path);
    }
    if (Bind(fd->get(), *addr) != 0) return ErrnoStatus("bind", path);
  }
  if (chmod(path.c_str(), 0600) != 0 || listen(fd->get(), kBacklog) != 0) {
    absl::Status s = ErrnoStatus("listen on", path);
    unlink(path.c_str());
    return s;
  }
  return fd;
}

absl::StatusOr<UniqueFd> ConnectControlSocket(const std::string& path) {
  UniqueFd dir;
  absl::StatusOr<struct sockaddr_un> addr = Address(path, &dir);
  if (!addr.ok()) return addr.status();
  absl::StatusOr<UniqueFd> fd = Socket(0);
  if (!fd.ok()) return fd.status();
  while (connect(fd->get(), reinterpret_cast<const struct sockaddr*>(&*addr),
                 sizeof(*addr)) != 0) {
    if (errno == EINTR) continue;
    if (errno == ECONNREFUSED || errno == ENOENT) {
      return absl::UnavailableError(
          absl::StrCat("connect to shim socket ", path, ": ", strerror(errno)));
    }
    return ErrnoStatus("connect to shim socket", path);
  }
  return fd;
}

}  // namespace crate::shim
