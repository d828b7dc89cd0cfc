#include "api/server/system_service.h"

#include "runtime/base/version.h"

namespace crate::server {

grpc::Status SystemService::Version(
    grpc::ServerContext* /*context*/,
    const crate::v1::VersionRequest* /*request*/,
    crate::v1::VersionResponse* response) {
  response->set_version(kCrateVersion);
  response->set_oci_runtime_spec(kOciRuntimeSpecVersion);
  response->set_api_version("v1");
  return grpc::Status::OK;
}

}  // namespace crate::server
