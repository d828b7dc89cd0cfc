// crate.v1.System: facts about the service itself and what it holds.
#ifndef CRATE_API_SERVER_SYSTEM_SERVICE_H_
#define CRATE_API_SERVER_SYSTEM_SERVICE_H_

#include <string>

#include "absl/time/time.h"
#include "api/proto/crate/v1/system.grpc.pb.h"

namespace crate::engine {
class Engine;
}

namespace crate::server {

struct SystemFacts {
  std::string root;  // persistent state
  std::string run;   // runtime state
  int idle_timeout_seconds = 0;
};

class SystemService final : public crate::v1::System::Service {
 public:
  // Without an engine only Version is answered (tests of the transport).
  SystemService() = default;
  SystemService(engine::Engine* engine, SystemFacts facts)
      : engine_(engine), facts_(std::move(facts)) {}

  grpc::Status Version(grpc::ServerContext* context,
                       const crate::v1::VersionRequest* request,
                       crate::v1::VersionResponse* response) override;
  grpc::Status Info(grpc::ServerContext* context,
                    const crate::v1::InfoRequest* request,
                    crate::v1::InfoResponse* response) override;
  grpc::Status DiskUsage(grpc::ServerContext* context,
                         const crate::v1::DiskUsageRequest* request,
                         crate::v1::DiskUsageResponse* response) override;
  // events_stream.h
  grpc::Status Events(grpc::ServerContext* context,
                      const crate::v1::EventsRequest* request,
                      grpc::ServerWriter<crate::v1::Event>* writer) override;

 private:
  engine::Engine* engine_ = nullptr;
  SystemFacts facts_;
  absl::Time started_ = absl::Now();
};

}  // namespace crate::server

#endif  // CRATE_API_SERVER_SYSTEM_SERVICE_H_
