#include "runtime/shim/event_loop.h"

#include <fcntl.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "runtime/base/status_matchers.h"

namespace crate::shim {
namespace {

struct Pipe {
  Pipe() {
    int fds[2];
    EXPECT_EQ(pipe2(fds, O_CLOEXEC | O_NONBLOCK), 0);
    r.Reset(fds[0]);
    w.Reset(fds[1]);
  }
  UniqueFd r, w;
};

TEST(EventLoopTest, RunsTheHandlerOfWhatIsReady) {
  ASSERT_OK_AND_ASSIGN(EventLoop loop, EventLoop::Create());
  Pipe a, b;
  std::vector<std::string> seen;
  ASSERT_OK(loop.Add(a.r.get(), EPOLLIN, [&](uint32_t) { seen.push_back("a"); })
                .status());
  ASSERT_OK(loop.Add(b.r.get(), EPOLLIN, [&](uint32_t) { seen.push_back("b"); })
                .status());
  ASSERT_EQ(write(b.w.get(), "x", 1), 1);
  ASSERT_OK_AND_ASSIGN(int n, loop.RunOnce(absl::Now() + absl::Seconds(5)));
  EXPECT_EQ(n, 1);
  EXPECT_EQ(seen, std::vector<std::string>{"b"});
}

TEST(EventLoopTest, TheDeadlineEndsAWait) {
  ASSERT_OK_AND_ASSIGN(EventLoop loop, EventLoop::Create());
  Pipe a;
  ASSERT_OK(loop.Add(a.r.get(), EPOLLIN, [](uint32_t) {}).status());
  absl::Time start = absl::Now();
  ASSERT_OK_AND_ASSIGN(int n, loop.RunOnce(start + absl::Milliseconds(50)));
  EXPECT_EQ(n, 0);
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(50));
  // A past deadline only polls.
  ASSERT_OK(loop.RunOnce(absl::InfinitePast()).status());
}

TEST(EventLoopTest, AWaitThatTrimsMemoryStillWaits) {
  ASSERT_OK_AND_ASSIGN(EventLoop loop, EventLoop::Create());
  Pipe a;
  std::string seen;
  ASSERT_OK(loop.Add(a.r.get(), EPOLLIN,
                     [&](uint32_t) {
                       char c;
                       ASSERT_EQ(read(a.r.get(), &c, 1), 1);
                       seen.push_back(c);
                     })
                .status());
  ASSERT_OK_AND_ASSIGN(
      int n, loop.RunOnce(absl::Now() + absl::Milliseconds(20), true));
  EXPECT_EQ(n, 0);
  ASSERT_EQ(write(a.w.get(), "x", 1), 1);
  ASSERT_OK_AND_ASSIGN(n, loop.RunOnce(absl::Now() + absl::Seconds(5), true));
  EXPECT_EQ(n, 1);
  EXPECT_EQ(seen, "x");
}

TEST(EventLoopTest, ModifyToZeroPausesEvenAHangUp) {
  ASSERT_OK_AND_ASSIGN(EventLoop loop, EventLoop::Create());
  Pipe a;
  int calls = 0;
  ASSERT_OK_AND_ASSIGN(EventLoop::Token t,
                       loop.Add(a.r.get(), EPOLLIN, [&](uint32_t ev) {
                         ++calls;
                         EXPECT_TRUE(ev & EPOLLHUP);
                       }));
  a.w.Reset();  // a hang-up
  ASSERT_OK(loop.Modify(t, 0));
  ASSERT_OK(loop.RunOnce(absl::Now() + absl::Milliseconds(20)).status());
  EXPECT_EQ(calls, 0);
  ASSERT_OK(loop.Modify(t, EPOLLIN));
  ASSERT_OK(loop.RunOnce(absl::Now() + absl::Seconds(5)).status());
  EXPECT_EQ(calls, 1);
}

TEST(EventLoopTest, AHandlerRemovingAnotherDropsItsPendingEvent) {
  ASSERT_OK_AND_ASSIGN(EventLoop loop, EventLoop::Create());
  Pipe a, b;
  int calls = 0;
  EventLoop::Token ta = 0, tb = 0;
  auto handler = [&](uint32_t) {
    ++calls;
    // Whichever runs first removes both.
    loop.Remove(ta);
    loop.Remove(tb);
  };
  ASSERT_OK_AND_ASSIGN(ta, loop.Add(a.r.get(), EPOLLIN, handler));
  ASSERT_OK_AND_ASSIGN(tb, loop.Add(b.r.get(), EPOLLIN, handler));
  ASSERT_EQ(write(a.w.get(), "x", 1), 1);
  ASSERT_EQ(write(b.w.get(), "x", 1), 1);
  ASSERT_OK(loop.RunOnce(absl::Now() + absl::Seconds(5)).status());
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(loop.size(), 0u);
  loop.Remove(ta);  // twice is fine
}

}  // namespace
}  // namespace crate::shim
