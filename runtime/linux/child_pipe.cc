#include "runtime/linux/child_pipe.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdint>

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

namespace crate::linux {
namespace {

// Without a pidfd (kernels before 5.3), /proc is asked this often.
constexpr int kProcPollMs = 50;
// Error texts are short; a longer length is a broken writer.
constexpr uint32_t kMaxErrorSize = 1 << 20;

}  // namespace

bool WriteAll(int fd, const void* data, size_t size) {
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    ssize_t n = write(fd, p, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    p += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

bool WriteError(int fd, const absl::Status& status) {
  absl::string_view text = status.message();
  uint32_t size = static_cast<uint32_t>(text.size());
  char header[1 + sizeof(size)];
  header[0] = kTagError;
  memcpy(header + 1, &size, sizeof(size));
  return WriteAll(fd, header, sizeof(header)) &&
         WriteAll(fd, text.data(), text.size());
}

ssize_t ReadFull(int fd, void* data, size_t size) {
  char* p = static_cast<char*>(data);
  size_t done = 0;
  while (done < size) {
    ssize_t n = read(fd, p + done, size - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    if (n == 0) break;
    done += static_cast<size_t>(n);
  }
  return static_cast<ssize_t>(done);
}

bool ProcessGone(pid_t pid) {
  char path[64];
  snprintf(path, sizeof(path), "/proc/%d/stat", static_cast<int>(pid));
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return true;
  char buf[512];
  ssize_t n = read(fd, buf, sizeof(buf) - 1);
  close(fd);
  if (n <= 0) return true;
  buf[n] = '\0';
  const char* close_paren = strrchr(buf, ')');
  return close_paren == nullptr || close_paren[1] == '\0' ||
         close_paren[2] == 'Z' || close_paren[2] == 'X';
}

ChildReader::ChildReader(int fd, pid_t pid) : fd_(fd) { Watch(pid); }

void ChildReader::Watch(pid_t pid) {
  pid_ = pid;
  pidfd_.Reset(static_cast<int>(syscall(SYS_pidfd_open, pid, 0)));
}

bool ChildReader::WriterDead() {
  if (pidfd_) {
    struct pollfd p = {pidfd_.get(), POLLIN, 0};
    return poll(&p, 1, 0) == 1;
  }
  return ProcessGone(pid_);
}

bool ChildReader::WaitReadable() {
  for (;;) {
    struct pollfd p[2] = {{fd_, POLLIN, 0}, {pidfd_.get(), POLLIN, 0}};
    int n = poll(p, pidfd_ ? 2 : 1, pidfd_ ? -1 : kProcPollMs);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    // What a dying writer wrote is in the pipe when its death shows.
    if (p[0].revents != 0) return true;
    if (pidfd_ ? p[1].revents != 0 : ProcessGone(pid_)) {
      // One more look: the death and the last write may land together.
      struct pollfd again = {fd_, POLLIN, 0};
      return poll(&again, 1, 0) == 1;
    }
  }
}

bool ChildReader::ReadFull(void* data, size_t size) {
  char* p = static_cast<char*>(data);
  size_t done = 0;
  while (done < size) {
    if (!WaitReadable()) return false;
    ssize_t n = read(fd_, p + done, size - done);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return false;
    }
    if (n == 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

std::string ChildReader::ReadErrorMessage() {
  uint32_t size = 0;
  if (!ReadFull(&size, sizeof(size)) || size > kMaxErrorSize) return "";
  std::string text(size, '\0');
  if (!ReadFull(text.data(), size)) return "";
  return text;
}

}  // namespace crate::linux
