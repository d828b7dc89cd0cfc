#include "api/server/services.h"

#include "runtime/base/status_macros.h"

namespace crate::server {

absl::StatusOr<std::unique_ptr<Services>> Services::Open(
    const ServicesOptions& options) {
  std::unique_ptr<Services> s(new Services);
  ASSIGN_OR_RETURN(registry::RegistryAccess access,
                   registry::LoadRegistryAccess(options.registries_conf));
  ASSIGN_OR_RETURN(s->images_,
                   registry::ImageService::Open(options.root, access));
  s->system_ = std::make_unique<SystemService>();
  s->images_service_ = std::make_unique<ImagesService>(
      s->images_.get(), registry::ImageUsersFn());
  return s;
}

void Services::Register(grpc::ServerBuilder& builder) {
  builder.RegisterService(system_.get());
  builder.RegisterService(images_service_.get());
}

}  // namespace crate::server
