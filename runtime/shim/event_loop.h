// The shim's one loop: epoll over its fds, a handler per fd. Single
// threaded; a handler may add and remove fds, its own included.
//
// Each registration has a token that is never reused, and epoll carries
// the token rather than the fd: an event already returned for an fd that a
// handler earlier in the same batch closed (and whose number a new fd then
// took) is dropped instead of reaching the new fd's handler.
#ifndef CRATE_RUNTIME_SHIM_EVENT_LOOP_H_
#define CRATE_RUNTIME_SHIM_EVENT_LOOP_H_

#include <cstdint>
#include <functional>
#include <map>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "runtime/base/unique_fd.h"

namespace crate::shim {

class EventLoop {
 public:
  using Token = uint64_t;
  // Called with the epoll events (EPOLLIN, EPOLLOUT, EPOLLHUP, ...).
  using Handler = std::function<void(uint32_t events)>;

  static absl::StatusOr<EventLoop> Create();

  EventLoop(EventLoop&&) = default;
  EventLoop& operator=(EventLoop&&) = default;

  // Watches `fd` (borrowed: it must stay open until Remove) for `events`.
  absl::StatusOr<Token> Add(int fd, uint32_t events, Handler handler);
  // Changes the events watched. 0 stops watching the fd without forgetting
  // it (epoll would still report a hang-up, which a paused reader cannot
  // act on); a later Modify watches it again.
  absl::Status Modify(Token token, uint32_t events);
  // Forgets the fd; before it is closed. An unknown token is ignored.
  void Remove(Token token);

  // Waits until something is ready or `deadline` passes, and runs the
  // handlers of what is ready; how many there were. With `trim_memory`
  // the process gives back what it need not keep before it sleeps (see
  // memory_trim.h).
  absl::StatusOr<int> RunOnce(absl::Time deadline, bool trim_memory = false);

  size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    int fd;
    uint32_t events;  // 0: not in the epoll set
    Handler handler;
  };

  explicit EventLoop(UniqueFd epoll) : epoll_(std::move(epoll)) {}

  UniqueFd epoll_;
  Token next_ = 1;
  std::map<Token, Entry> entries_;
};

}  // namespace crate::shim

#endif  // CRATE_RUNTIME_SHIM_EVENT_LOOP_H_
