#include "api/server/idle_tracker.h"

#include <ctime>
#include <thread>

#include "gtest/gtest.h"

namespace crate::server {
namespace {

TEST(IdleTrackerTest, IdleOnlyAfterTheLastCallEndsAndTheTimeoutPasses) {
  IdleTracker idle;
  idle.CallStarted();
  absl::Time ended_at;
  std::thread ender([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    ended_at = absl::Now();
    idle.CallEnded();
  });
  EXPECT_TRUE(idle.WaitIdle(absl::Milliseconds(50)));
  absl::Time returned = absl::Now();
  EXPECT_EQ(idle.InFlight(), 0);
  ender.join();
  // Idle only once the call had ended and the timeout passed after it.
  // (A few ms of slack: the tracker waits on a monotonic clock, this test
  // reads the wall clock, and the two tick apart.)
  EXPECT_GE(returned - ended_at, absl::Milliseconds(45));
}

TEST(IdleTrackerTest, StopEndsTheWait) {
  IdleTracker idle;
  idle.CallStarted();
  std::thread stopper([&] { idle.Stop(); });
  EXPECT_FALSE(idle.WaitIdle(absl::Hours(1)));
  stopper.join();
}

// --idle-timeout 0: never idle, and no spinning while waiting for Stop.
TEST(IdleTrackerTest, InfiniteWaitSleepsUntilStop) {
  IdleTracker idle;
  std::clock_t cpu_before = std::clock();
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    idle.Stop();
  });
  EXPECT_FALSE(idle.WaitIdle(absl::InfiniteDuration()));
  stopper.join();
  // A spinning wait would use most of the 200 ms of CPU.
  EXPECT_LT(std::clock() - cpu_before, CLOCKS_PER_SEC / 20);
}

}  // namespace
}  // namespace crate::server
