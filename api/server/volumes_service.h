// crate.v1.Volumes over the engine's volumes (engine::Volumes): proto in,
// engine call, proto out; errors through status_convert.
#ifndef CRATE_API_SERVER_VOLUMES_SERVICE_H_
#define CRATE_API_SERVER_VOLUMES_SERVICE_H_

#include "api/engine/event_journal.h"
#include "api/engine/volumes.h"
#include "api/proto/crate/v1/volumes.grpc.pb.h"

namespace crate::server {

class VolumesService final : public crate::v1::Volumes::Service {
 public:
  explicit VolumesService(engine::Volumes* volumes) : volumes_(volumes) {}

  grpc::Status Create(grpc::ServerContext* context,
                      const crate::v1::CreateVolumeRequest* request,
                      crate::v1::Volume* response) override;
  grpc::Status List(grpc::ServerContext* context,
                    const crate::v1::ListVolumesRequest* request,
                    crate::v1::ListVolumesResponse* response) override;
  grpc::Status Inspect(grpc::ServerContext* context,
                       const crate::v1::InspectVolumeRequest* request,
                       crate::v1::Volume* response) override;
  grpc::Status Remove(grpc::ServerContext* context,
                      const crate::v1::RemoveVolumeRequest* request,
                      crate::v1::RemoveVolumeResponse* response) override;
  grpc::Status Prune(grpc::ServerContext* context,
                     const crate::v1::PruneVolumesRequest* request,
                     crate::v1::PruneVolumesResponse* response) override;

  // Where creates and removals are told (service_events.h).
  void set_events(engine::EventJournal* events) { events_ = events; }

 private:
  engine::Volumes* volumes_;
  engine::EventJournal* events_ = nullptr;
};

// The API's view of a volume (pure; tested on its own).
void ToProto(const engine::VolumeInfo& info, crate::v1::Volume* out);

}  // namespace crate::server

#endif  // CRATE_API_SERVER_VOLUMES_SERVICE_H_
