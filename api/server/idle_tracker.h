// When crated may exit: no call and no stream in flight for the idle
// timeout. A server interceptor counts calls (it lives as long as its
// call, streams included); accepted connections count as activity, since
// their first call is on its way.
#ifndef CRATE_API_SERVER_IDLE_TRACKER_H_
#define CRATE_API_SERVER_IDLE_TRACKER_H_

#include <grpcpp/support/server_interceptor.h>

#include <condition_variable>
#include <memory>
#include <mutex>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace crate::server {

class IdleTracker {
 public:
  void CallStarted();
  void CallEnded();
  void Touch();  // activity that is not a call (a new connection)
  int InFlight() const;

  // Blocks until nothing has been in flight for `idle` (true), or until
  // Stop (false).
  bool WaitIdle(absl::Duration idle);
  void Stop();

  // For grpc::ServerBuilder::experimental().SetInterceptorCreators.
  std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
  InterceptorFactory();

 private:
  mutable std::mutex mu_;
  std::condition_variable changed_;
  int in_flight_ = 0;
  absl::Time last_activity_ = absl::Now();
  bool stopped_ = false;
};

}  // namespace crate::server

#endif  // CRATE_API_SERVER_IDLE_TRACKER_H_
