#include "runtime/shim/event_loop.h"

#include <errno.h>
#include <sys/epoll.h>

#include <utility>

#include "runtime/base/errno_status.h"
#include "runtime/shim/memory_trim.h"

namespace crate::shim {
namespace {

constexpr int kMaxEvents = 16;

int EpollTimeout(absl::Time deadline) {
  if (deadline == absl::InfiniteFuture()) return -1;
  absl::Duration left = deadline - absl::Now();
  if (left <= absl::ZeroDuration()) return 0;
  // Rounded up, so that a wait never ends just before its deadline.
  int64_t ms =
      absl::ToInt64Milliseconds(absl::Ceil(left, absl::Milliseconds(1)));
  return ms > 1 << 30 ? 1 << 30 : static_cast<int>(ms);
}

absl::Status Control(int epoll, int op, int fd, uint32_t events,
                     EventLoop::Token token) {
  struct epoll_event ev = {};
  ev.events = events;
  ev.data.u64 = token;
  if (epoll_ctl(epoll, op, fd, &ev) != 0) {
    return ErrnoStatus("epoll_ctl", "shim event loop");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<EventLoop> EventLoop::Create() {
  UniqueFd fd(epoll_create1(EPOLL_CLOEXEC));
  if (!fd) return ErrnoStatus("epoll_create1");
  return EventLoop(std::move(fd));
}

absl::StatusOr<EventLoop::Token> EventLoop::Add(int fd, uint32_t events,
                                                Handler handler) {
  Token token = next_++;
  if (events != 0) {
    absl::Status s = Control(epoll_.get(), EPOLL_CTL_ADD, fd, events, token);
    if (!s.ok()) return s;
  }
  entries_.emplace(token, Entry{fd, events, std::move(handler)});
  return token;
}

absl::Status EventLoop::Modify(Token token, uint32_t events) {
  auto it = entries_.find(token);
  if (it == entries_.end()) return absl::OkStatus();
  Entry& e = it->second;
  if (e.events == events) return absl::OkStatus();
  int op = events == 0     ? EPOLL_CTL_DEL
           : e.events == 0 ? EPOLL_CTL_ADD
                           : EPOLL_CTL_MOD;
  absl::Status s = Control(epoll_.get(), op, e.fd, events, token);
  if (s.ok()) e.events = events;
  return s;
}

void EventLoop::Remove(Token token) {
  auto it = entries_.find(token);
  if (it == entries_.end()) return;
  if (it->second.events != 0) {
    epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, it->second.fd, nullptr);
  }
  entries_.erase(it);
}

absl::StatusOr<int> EventLoop::RunOnce(absl::Time deadline, bool trim_memory) {
  struct epoll_event events[kMaxEvents];
  int timeout = EpollTimeout(deadline);
  int n = trim_memory
              ? TrimMemoryAndWait(epoll_.get(), events, kMaxEvents, timeout)
              : epoll_wait(epoll_.get(), events, kMaxEvents, timeout);
  if (n < 0) {
    if (errno == EINTR) return 0;
    return ErrnoStatus("epoll_wait", "shim event loop");
  }
  for (int i = 0; i < n; ++i) {
    auto it = entries_.find(events[i].data.u64);
    // Removed by a handler earlier in this batch.
    if (it == entries_.end() || it->second.events == 0) continue;
    // A copy: the handler may remove itself, destroying the entry's.
    Handler handler = it->second.handler;
    handler(events[i].events);
  }
  return n;
}

}  // namespace crate::shim
