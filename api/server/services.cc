#include "api/server/services.h"

#include "runtime/base/status_macros.h"

namespace crate::server {

absl::StatusOr<std::unique_ptr<Services>> Services::Open(
    const ServicesOptions& options) {
  std::unique_ptr<Services> s(new Services);
  ASSIGN_OR_RETURN(s->engine_, engine::Engine::Open(options.engine));
  // What a crash or a dead shim left is settled before the first call.
  RETURN_IF_ERROR(s->engine_->Reconcile());
  std::vector<absl::Status> volume_problems;  // left for a person, as files
  RETURN_IF_ERROR(s->engine_->volumes().Repair(&volume_problems).status());
  s->system_ = std::make_unique<SystemService>(
      s->engine_.get(), SystemFacts{options.engine.root, options.engine.run,
                                    options.idle_timeout_seconds});
  s->images_service_ = std::make_unique<ImagesService>(
      &s->engine_->images(), s->engine_->ImageUsers(),
      options.engine.root + "/tmp");
  s->containers_service_ =
      std::make_unique<ContainersService>(s->engine_.get());
  s->volumes_service_ =
      std::make_unique<VolumesService>(&s->engine_->volumes());
  s->images_service_->set_events(&s->engine_->events());
  s->volumes_service_->set_events(&s->engine_->events());
  return s;
}

void Services::Register(grpc::ServerBuilder& builder) {
  builder.RegisterService(system_.get());
  builder.RegisterService(images_service_.get());
  builder.RegisterService(containers_service_.get());
  builder.RegisterService(volumes_service_.get());
}

}  // namespace crate::server
