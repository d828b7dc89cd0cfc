#include "api/server/idle_tracker.h"

#include <chrono>

namespace crate::server {
namespace {

class CountingInterceptor : public grpc::experimental::Interceptor {
 public:
  explicit CountingInterceptor(IdleTracker* tracker) : tracker_(tracker) {
    tracker_->CallStarted();
  }
  ~CountingInterceptor() override { tracker_->CallEnded(); }
  void Intercept(
      grpc::experimental::InterceptorBatchMethods* methods) override {
    methods->Proceed();
  }

 private:
  IdleTracker* tracker_;
};

class CountingFactory
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit CountingFactory(IdleTracker* tracker) : tracker_(tracker) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo*) override {
    return new CountingInterceptor(tracker_);
  }

 private:
  IdleTracker* tracker_;
};

}  // namespace

void IdleTracker::CallStarted() {
  std::lock_guard<std::mutex> lock(mu_);
  ++in_flight_;
  last_activity_ = absl::Now();
  changed_.notify_all();
}

void IdleTracker::CallEnded() {
  std::lock_guard<std::mutex> lock(mu_);
  --in_flight_;
  last_activity_ = absl::Now();
  changed_.notify_all();
}

void IdleTracker::Touch() {
  std::lock_guard<std::mutex> lock(mu_);
  last_activity_ = absl::Now();
  changed_.notify_all();
}

int IdleTracker::InFlight() const {
  std::lock_guard<std::mutex> lock(mu_);
  return in_flight_;
}

bool IdleTracker::WaitIdle(absl::Duration idle) {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    if (stopped_) return false;
    absl::Time now = absl::Now();
    if (in_flight_ == 0 && now - last_activity_ >= idle) return true;
    if (idle == absl::InfiniteDuration()) {
      // Never idle: only Stop ends the wait (a timed wait this long would
      // overflow the clock and spin).
      changed_.wait(lock);
      continue;
    }
    absl::Duration wait =
        in_flight_ > 0 ? absl::Seconds(1) : idle - (now - last_activity_);
    changed_.wait_for(lock, absl::ToChronoNanoseconds(wait));
  }
}

void IdleTracker::Stop() {
  std::lock_guard<std::mutex> lock(mu_);
  stopped_ = true;
  changed_.notify_all();
}

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
IdleTracker::InterceptorFactory() {
  return std::make_unique<CountingFactory>(this);
}

}  // namespace crate::server
