// Everything crated serves, opened from its directories and registered on
// a grpc::ServerBuilder in one call: the one place that joins the engine
// and the image library to the handlers, so that crated's main() stays
// wiring only.
#ifndef CRATE_API_SERVER_SERVICES_H_
#define CRATE_API_SERVER_SERVICES_H_

#include <grpcpp/server_builder.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "api/engine/engine.h"
#include "api/server/containers_service.h"
#include "api/server/images_service.h"
#include "api/server/system_service.h"
#include "api/server/volumes_service.h"

namespace crate::server {

struct ServicesOptions {
  engine::EngineOptions engine;  // root, run, shim, registries, logs
  int idle_timeout_seconds = 0;  // for Info
};

class Services {
 public:
  static absl::StatusOr<std::unique_ptr<Services>> Open(
      const ServicesOptions& options);

  // The services must outlive the server built from `builder`.
  void Register(grpc::ServerBuilder& builder);

 private:
  Services() = default;

  std::unique_ptr<engine::Engine> engine_;
  std::unique_ptr<SystemService> system_;
  std::unique_ptr<ImagesService> images_service_;
  std::unique_ptr<ContainersService> containers_service_;
  std::unique_ptr<VolumesService> volumes_service_;
};

}  // namespace crate::server

#endif  // CRATE_API_SERVER_SERVICES_H_
