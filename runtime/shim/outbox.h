// What one client connection has yet to take. The shim never waits for a
// client: a message goes at once when the socket has room and is queued
// when it has not, to be sent when epoll says the socket is writable.
// Output frames are dropped (and counted) once a client is kMaxQueuedOutput
// behind, so that a client that stops reading costs a bounded amount of
// memory and the container never waits for it; responses and the exit
// frame are never dropped, and a client so far behind that even they pile
// up is given up on.
#ifndef CRATE_RUNTIME_SHIM_OUTBOX_H_
#define CRATE_RUNTIME_SHIM_OUTBOX_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>

namespace crate::shim {

class Outbox {
 public:
  // Queued bytes past which output frames are dropped.
  static constexpr size_t kMaxQueuedOutput = 256 * 1024;
  // Queued bytes past which the client is given up on.
  static constexpr size_t kMaxQueued = 1024 * 1024;

  enum class Kind { kControl, kOutput };

  // Sends `datagram` on `fd` (non-blocking), or queues it. False when the
  // connection is broken (the peer is gone) or too far behind: close it.
  bool Send(int fd, std::string datagram, Kind kind);

  // Sends what is queued, as much as the socket takes. False as for Send.
  bool Flush(int fd);

  bool empty() const { return queue_.empty(); }
  size_t queued_bytes() const { return queued_bytes_; }
  // Output frames dropped so far.
  uint64_t dropped() const { return dropped_; }

 private:
  enum class Sent { kSent, kFull, kBroken };
  static Sent TrySend(int fd, const std::string& datagram);

  std::deque<std::string> queue_;
  size_t queued_bytes_ = 0;
  uint64_t dropped_ = 0;
};

}  // namespace crate::shim

#endif  // CRATE_RUNTIME_SHIM_OUTBOX_H_
