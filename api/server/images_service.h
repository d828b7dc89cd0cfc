// crate.v1.Images over the image library (registry::ImageService): proto
// in, library call, proto out. Which containers use an image comes from
// the engine (`users`), so that Remove and Prune refuse images in use.
#ifndef CRATE_API_SERVER_IMAGES_SERVICE_H_
#define CRATE_API_SERVER_IMAGES_SERVICE_H_

#include "api/engine/event_journal.h"
#include "api/proto/crate/v1/images.grpc.pb.h"
#include "registry/image/image_store.h"
#include "registry/images/image_service.h"

namespace crate::server {

class ImagesService final : public crate::v1::Images::Service {
 public:
  ImagesService(registry::ImageService* images, registry::ImageUsersFn users,
                std::string spool_dir)
      : images_(images),
        users_(std::move(users)),
        spool_dir_(std::move(spool_dir)) {}

  grpc::Status Pull(
      grpc::ServerContext* context, const crate::v1::PullImageRequest* request,
      grpc::ServerWriter<crate::v1::PullImageProgress>* writer) override;
  grpc::Status Push(grpc::ServerContext* context,
                    const crate::v1::PushImageRequest* request,
                    crate::v1::PushImageResponse* response) override;
  grpc::Status List(grpc::ServerContext* context,
                    const crate::v1::ListImagesRequest* request,
                    crate::v1::ListImagesResponse* response) override;
  grpc::Status Inspect(grpc::ServerContext* context,
                       const crate::v1::InspectImageRequest* request,
                       crate::v1::InspectImageResponse* response) override;
  grpc::Status Tag(grpc::ServerContext* context,
                   const crate::v1::TagImageRequest* request,
                   crate::v1::TagImageResponse* response) override;
  grpc::Status Remove(grpc::ServerContext* context,
                      const crate::v1::RemoveImageRequest* request,
                      crate::v1::RemoveImageResponse* response) override;
  grpc::Status Prune(grpc::ServerContext* context,
                     const crate::v1::PruneImagesRequest* request,
                     crate::v1::PruneImagesResponse* response) override;
  grpc::Status Login(grpc::ServerContext* context,
                     const crate::v1::LoginRequest* request,
                     crate::v1::LoginResponse* response) override;
  grpc::Status Logout(grpc::ServerContext* context,
                      const crate::v1::LogoutRequest* request,
                      crate::v1::LogoutResponse* response) override;
  // The archive is spooled to a file under `spool_dir` (the library reads
  // it twice), bounded, and removed afterwards.
  grpc::Status Load(grpc::ServerContext* context,
                    grpc::ServerReader<crate::v1::LoadImageRequest>* reader,
                    crate::v1::LoadImageResponse* response) override;
  grpc::Status Save(
      grpc::ServerContext* context, const crate::v1::SaveImageRequest* request,
      grpc::ServerWriter<crate::v1::SaveImageChunk>* writer) override;

  // Where pulls, tags, removals and loads are told (service_events.h).
  void set_events(engine::EventJournal* events) { events_ = events; }

 private:
  void Fill(const registry::ImageRecord& record,
            const std::vector<std::string>& tags,
            crate::v1::ImageSummary* out) const;

  registry::ImageService* images_;
  registry::ImageUsersFn users_;
  std::string spool_dir_;
  engine::EventJournal* events_ = nullptr;
};

}  // namespace crate::server

#endif  // CRATE_API_SERVER_IMAGES_SERVICE_H_
