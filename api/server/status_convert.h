// The one place where domain errors (absl::Status) become gRPC statuses.
#ifndef CRATE_API_SERVER_STATUS_CONVERT_H_
#define CRATE_API_SERVER_STATUS_CONVERT_H_

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace crate::server {

grpc::Status ToGrpcStatus(const absl::Status& status);
absl::Status FromGrpcStatus(const grpc::Status& status);

}  // namespace crate::server

#endif  // CRATE_API_SERVER_STATUS_CONVERT_H_
