// crate.v1.System: facts about the service itself.
#ifndef CRATE_API_SERVER_SYSTEM_SERVICE_H_
#define CRATE_API_SERVER_SYSTEM_SERVICE_H_

#include "api/proto/crate/v1/system.grpc.pb.h"

namespace crate::server {

class SystemService final : public crate::v1::System::Service {
 public:
  grpc::Status Version(grpc::ServerContext* context,
                       const crate::v1::VersionRequest* request,
                       crate::v1::VersionResponse* response) override;
};

}  // namespace crate::server

#endif  // CRATE_API_SERVER_SYSTEM_SERVICE_H_
