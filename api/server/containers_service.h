// crate.v1.Containers over the engine: proto in, engine call, proto out.
#ifndef CRATE_API_SERVER_CONTAINERS_SERVICE_H_
#define CRATE_API_SERVER_CONTAINERS_SERVICE_H_

#include "api/engine/engine.h"
#include "api/proto/crate/v1/containers.grpc.pb.h"

namespace crate::server {

class ContainersService final : public crate::v1::Containers::Service {
 public:
  explicit ContainersService(engine::Engine* engine) : engine_(engine) {}

  grpc::Status Create(grpc::ServerContext* context,
                      const crate::v1::CreateContainerRequest* request,
                      crate::v1::CreateContainerResponse* response) override;
  grpc::Status Start(grpc::ServerContext* context,
                     const crate::v1::StartContainerRequest* request,
                     crate::v1::StartContainerResponse* response) override;
  grpc::Status Stop(grpc::ServerContext* context,
                    const crate::v1::StopContainerRequest* request,
                    crate::v1::StopContainerResponse* response) override;
  grpc::Status Kill(grpc::ServerContext* context,
                    const crate::v1::KillContainerRequest* request,
                    crate::v1::KillContainerResponse* response) override;
  grpc::Status Remove(grpc::ServerContext* context,
                      const crate::v1::RemoveContainerRequest* request,
                      crate::v1::RemoveContainerResponse* response) override;
  grpc::Status List(grpc::ServerContext* context,
                    const crate::v1::ListContainersRequest* request,
                    crate::v1::ListContainersResponse* response) override;
  grpc::Status Inspect(grpc::ServerContext* context,
                       const crate::v1::InspectContainerRequest* request,
                       crate::v1::InspectContainerResponse* response) override;
  grpc::Status Wait(grpc::ServerContext* context,
                    const crate::v1::WaitContainerRequest* request,
                    crate::v1::WaitContainerResponse* response) override;
  grpc::Status Logs(grpc::ServerContext* context,
                    const crate::v1::LogsRequest* request,
                    grpc::ServerWriter<crate::v1::LogEntry>* writer) override;
  grpc::Status Exec(
      grpc::ServerContext* context,
      grpc::ServerReaderWriter<crate::v1::ExecResponse, crate::v1::ExecRequest>*
          stream) override;
  grpc::Status Attach(
      grpc::ServerContext* context,
      grpc::ServerReaderWriter<crate::v1::AttachResponse,
                               crate::v1::AttachRequest>* stream) override;
  grpc::Status Prune(grpc::ServerContext* context,
                     const crate::v1::PruneContainersRequest* request,
                     crate::v1::PruneContainersResponse* response) override;
  grpc::Status Update(grpc::ServerContext* context,
                      const crate::v1::UpdateContainerRequest* request,
                      crate::v1::UpdateContainerResponse* response) override;
  grpc::Status Stats(grpc::ServerContext* context,
                     const crate::v1::StatsRequest* request,
                     crate::v1::StatsResponse* response) override;
  grpc::Status Top(grpc::ServerContext* context,
                   const crate::v1::TopRequest* request,
                   crate::v1::TopResponse* response) override;

 private:
  engine::Engine* engine_;
};

// The engine's update from the API's (only the fields set).
engine::ResourceUpdate ToResourceUpdate(
    const crate::v1::UpdateContainerRequest& request);

// The engine's exec options from the API's first exec message.
engine::ExecOptions ToExecOptions(const crate::v1::ExecStart& start);

// The engine's create options from the API's (pure; tested on its own).
absl::StatusOr<engine::CreateOptions> ToCreateOptions(
    const crate::v1::CreateContainerRequest& request);

}  // namespace crate::server

#endif  // CRATE_API_SERVER_CONTAINERS_SERVICE_H_
