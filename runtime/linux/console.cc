#include "runtime/linux/console.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "runtime/base/errno_status.h"

namespace crate::linux {

absl::StatusOr<UniqueFd> ConnectConsoleSocket(const std::string& path) {
  struct sockaddr_un addr = {};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof(addr.sun_path)) {
    return absl::InvalidArgumentError(
        absl::StrCat("console socket path too long: ", path));
  }
  memcpy(addr.sun_path, path.c_str(), path.size());
  UniqueFd fd(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) return ErrnoStatus("socket");
  if (connect(fd.get(), reinterpret_cast<struct sockaddr*>(&addr),
              sizeof(addr)) != 0) {
    return ErrnoStatus("connect to console socket", path);
  }
  return fd;
}

absl::Status SendFd(int socket_fd, int fd, const std::string& name) {
  struct msghdr msg = {};
  struct iovec iov;
  iov.iov_base = const_cast<char*>(name.data());
  iov.iov_len = name.size();
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(struct cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  msg.msg_control = control;
  msg.msg_controllen = sizeof(control);
  struct cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
  cmsg->cmsg_level = SOL_SOCKET;
  cmsg->cmsg_type = SCM_RIGHTS;
  cmsg->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
  while (sendmsg(socket_fd, &msg, MSG_NOSIGNAL) < 0) {
    if (errno != EINTR) return ErrnoStatus("send pty master to console socket");
  }
  return absl::OkStatus();
}

absl::StatusOr<UniqueFd> ReceiveFd(int socket_fd) {
  char buf[256];
  struct iovec iov = {buf, sizeof(buf)};
  struct msghdr msg = {};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(struct cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  msg.msg_control = control;
  msg.msg_controllen = sizeof(control);
  ssize_t n;
  while ((n = recvmsg(socket_fd, &msg, MSG_CMSG_CLOEXEC)) < 0) {
    if (errno != EINTR) return ErrnoStatus("receive pty master");
  }
  struct cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
  if (n == 0 || cmsg == nullptr || cmsg->cmsg_type != SCM_RIGHTS) {
    return absl::InternalError("no pty master received");
  }
  int fd;
  memcpy(&fd, CMSG_DATA(cmsg), sizeof(int));
  return UniqueFd(fd);
}

absl::Status SetupConsole(int socket_fd,
                          const absl::optional<oci::ConsoleSize>& size) {
  UniqueFd master(open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (!master) return ErrnoStatus("open", "/dev/ptmx");
  int unlock = 0;
  if (ioctl(master.get(), TIOCSPTLCK, &unlock) != 0) {
    return ErrnoStatus("unlock pty");
  }
  int number = 0;
  if (ioctl(master.get(), TIOCGPTN, &number) != 0) {
    return ErrnoStatus("get pty number");
  }
  std::string slave_path = absl::StrCat("/dev/pts/", number);
  UniqueFd slave(open(slave_path.c_str(), O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (!slave) return ErrnoStatus("open", slave_path);
  if (size) {
    struct winsize ws = {};
    ws.ws_row = static_cast<unsigned short>(size->height);
    ws.ws_col = static_cast<unsigned short>(size->width);
    if (ioctl(slave.get(), TIOCSWINSZ, &ws) != 0) {
      return ErrnoStatus("set terminal size", slave_path);
    }
  }
  absl::Status s = SendFd(socket_fd, master.get(), slave_path);
  if (!s.ok()) return s;
  master.Reset();
  for (int fd = 0; fd <= 2; ++fd) {
    if (dup2(slave.get(), fd) < 0) return ErrnoStatus("dup2 pty", slave_path);
  }
  if (ioctl(0, TIOCSCTTY, 0) != 0) {
    return ErrnoStatus("make controlling terminal", slave_path);
  }
  return absl::OkStatus();
}

}  // namespace crate::linux
