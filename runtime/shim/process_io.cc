#include "runtime/shim/process_io.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#include <cstring>

#include "absl/strings/str_cat.h"
#include "runtime/base/errno_status.h"
#include "runtime/base/status_macros.h"

namespace crate::shim {
namespace {

// A pipe whose end `ours` (0 read, 1 write) is the shim's: non-blocking.
absl::Status MakePipe(int ours, UniqueFd* shim, UniqueFd* child) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return ErrnoStatus("pipe2");
  shim->Reset(fds[ours]);
  child->Reset(fds[1 - ours]);
  if (fcntl(shim->get(), F_SETFL, O_NONBLOCK) != 0) {
    return ErrnoStatus("fcntl O_NONBLOCK", "stdio pipe");
  }
  return absl::OkStatus();
}

// Takes the master the process sent, if it did: the process sends it
// before it reports success, so it is there now or never.
absl::StatusOr<UniqueFd> TakeMaster(int socket) {
  char name[256];
  struct iovec iov = {name, sizeof(name)};
  struct msghdr msg = {};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(struct cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  msg.msg_control = control;
  msg.msg_controllen = sizeof(control);
  ssize_t n;
  while ((n = recvmsg(socket, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT)) < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) break;
    if (errno != EINTR) return ErrnoStatus("receive the terminal's master");
  }
  struct cmsghdr* cmsg = n > 0 ? CMSG_FIRSTHDR(&msg) : nullptr;
  if (cmsg == nullptr || cmsg->cmsg_level != SOL_SOCKET ||
      cmsg->cmsg_type != SCM_RIGHTS) {
    return absl::FailedPreconditionError(
        "the process sent no terminal (is process.terminal false?)");
  }
  int fd;
  memcpy(&fd, CMSG_DATA(cmsg), sizeof(int));
  UniqueFd master(fd);
  if (fcntl(master.get(), F_SETFL, O_NONBLOCK) != 0) {
    return ErrnoStatus("fcntl O_NONBLOCK", "terminal master");
  }
  return master;
}

}  // namespace

absl::StatusOr<ProcessIo> ProcessIo::Make(bool tty, bool open_stdin) {
  ProcessIo io;
  io.tty_ = tty;
  if (tty) {
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
      return ErrnoStatus("socketpair", "console socket");
    }
    io.console_ours_.Reset(sv[0]);
    io.console_theirs_.Reset(sv[1]);
    return io;
  }
  io.has_stdin_ = open_stdin;
  if (open_stdin) {
    RETURN_IF_ERROR(MakePipe(1, &io.stdin_, &io.child_in_));
  } else {
    io.child_in_.Reset(open("/dev/null", O_RDONLY | O_CLOEXEC));
    if (!io.child_in_) return ErrnoStatus("open", "/dev/null");
  }
  RETURN_IF_ERROR(MakePipe(0, &io.stdout_, &io.child_out_));
  RETURN_IF_ERROR(MakePipe(0, &io.stderr_, &io.child_err_));
  return io;
}

std::array<int, 3> ProcessIo::child_stdio() const {
  return {child_in_.get(), child_out_.get(), child_err_.get()};
}

absl::Status ProcessIo::Created() {
  child_in_.Reset();
  child_out_.Reset();
  child_err_.Reset();
  console_theirs_.Reset();
  if (!tty_) return absl::OkStatus();
  absl::StatusOr<UniqueFd> master = TakeMaster(console_ours_.get());
  console_ours_.Reset();
  if (!master.ok()) return master.status();
  master_ = *std::move(master);
  return absl::OkStatus();
}

ssize_t ProcessIo::Read(int fd, char* buf, size_t size) {
  while (true) {
    ssize_t n = read(fd, buf, size);
    if (n > 0) return n;
    if (n == 0) return -1;
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return 0;
    // EIO: a terminal whose slave every process has closed.
    return -1;
  }
}

void ProcessIo::CloseStdout() {
  if (tty_) {
    master_.Reset();
    stdin_queue_.clear();
  } else {
    stdout_.Reset();
  }
}

void ProcessIo::CloseStderr() { stderr_.Reset(); }

void ProcessIo::QueueStdin(absl::string_view data) {
  if (stdin_fd() < 0 || stdin_closing_) return;
  stdin_queue_.append(data.data(), data.size());
}

bool ProcessIo::WriteStdin() {
  int fd = stdin_fd();
  size_t done = 0;
  while (fd >= 0 && done < stdin_queue_.size()) {
    ssize_t n =
        write(fd, stdin_queue_.data() + done, stdin_queue_.size() - done);
    if (n > 0) {
      done += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    // EPIPE: nobody reads stdin any more.
    done = stdin_queue_.size();
  }
  stdin_queue_.erase(0, done);
  if (stdin_queue_.empty()) {
    std::string().swap(stdin_queue_);
    return false;
  }
  return true;
}

void ProcessIo::CloseStdin() { stdin_closing_ = stdin_fd() >= 0; }

void ProcessIo::FinishStdin() {
  if (stdin_closed_) return;
  stdin_closed_ = true;
  if (!tty_) {
    stdin_.Reset();
    return;
  }
  // The line discipline's EOF character, read by a process in canonical
  // mode as the end of its input.
  struct termios t;
  char eof = 4;  // ^D
  if (master_ && tcgetattr(master_.get(), &t) == 0) eof = t.c_cc[VEOF];
  if (master_) (void)!write(master_.get(), &eof, 1);
}

absl::Status ProcessIo::Resize(int rows, int cols) {
  if (!tty_) {
    return absl::FailedPreconditionError("the process has no terminal");
  }
  if (!master_) {
    return absl::FailedPreconditionError("the process's terminal is closed");
  }
  struct winsize ws = {};
  ws.ws_row = static_cast<unsigned short>(rows);
  ws.ws_col = static_cast<unsigned short>(cols);
  if (ioctl(master_.get(), TIOCSWINSZ, &ws) != 0) {
    return ErrnoStatus("set terminal size (TIOCSWINSZ)");
  }
  return absl::OkStatus();
}

}  // namespace crate::shim
