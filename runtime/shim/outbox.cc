#include "runtime/shim/outbox.h"

#include <errno.h>
#include <sys/socket.h>

#include <utility>

namespace crate::shim {

Outbox::Sent Outbox::TrySend(int fd, const std::string& datagram) {
  while (true) {
    // A datagram goes whole or not at all.
    if (::send(fd, datagram.data(), datagram.size(),
               MSG_DONTWAIT | MSG_NOSIGNAL) >= 0) {
      return Sent::kSent;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return Sent::kFull;
    return Sent::kBroken;
  }
}

bool Outbox::Send(int fd, std::string datagram, Kind kind) {
  if (queue_.empty()) {
    switch (TrySend(fd, datagram)) {
      case Sent::kSent:
        return true;
      case Sent::kBroken:
        return false;
      case Sent::kFull:
        break;
    }
  }
  if (kind == Kind::kOutput && queued_bytes_ >= kMaxQueuedOutput) {
    ++dropped_;
    return true;
  }
  if (queued_bytes_ + datagram.size() > kMaxQueued) return false;
  queued_bytes_ += datagram.size();
  queue_.push_back(std::move(datagram));
  return true;
}

bool Outbox::Flush(int fd) {
  while (!queue_.empty()) {
    switch (TrySend(fd, queue_.front())) {
      case Sent::kSent:
        queued_bytes_ -= queue_.front().size();
        queue_.pop_front();
        break;
      case Sent::kBroken:
        return false;
      case Sent::kFull:
        return true;
    }
  }
  // A burst can leave a deque holding blocks it no longer needs.
  std::deque<std::string>().swap(queue_);
  return true;
}

}  // namespace crate::shim
