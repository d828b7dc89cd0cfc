#include "api/server/volumes_service.h"

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "api/server/service_events.h"
#include "api/server/status_convert.h"

namespace crate::server {

void ToProto(const engine::VolumeInfo& info, crate::v1::Volume* out) {
  const engine::VolumeRecord& r = info.record;
  out->set_name(r.name);
  out->set_driver(r.driver);
  out->set_mountpoint(r.mountpoint);
  if (r.created != absl::InfinitePast()) {
    out->set_created_unix_nanos(absl::ToUnixNanos(r.created));
  }
  for (const auto& [k, v] : r.labels) (*out->mutable_labels())[k] = v;
  for (const auto& [k, v] : r.options) (*out->mutable_options())[k] = v;
  for (const std::string& c : info.containers) out->add_containers(c);
  out->set_anonymous(r.anonymous);
}

grpc::Status VolumesService::Create(
    grpc::ServerContext* context, const crate::v1::CreateVolumeRequest* request,
    crate::v1::Volume* response) {
  engine::VolumeCreateOptions o;
  o.name = request->name();
  o.driver = request->driver();
  o.labels.insert(request->labels().begin(), request->labels().end());
  o.options.insert(request->options().begin(), request->options().end());
  absl::StatusOr<engine::VolumeInfo> info = volumes_->Create(o);
  if (!info.ok()) return ToGrpcStatus(info.status());
  ToProto(*info, response);
  TellVolume(events_, "create", info->record.name);
  return grpc::Status::OK;
}

grpc::Status VolumesService::List(grpc::ServerContext* context,
                                  const crate::v1::ListVolumesRequest* request,
                                  crate::v1::ListVolumesResponse* response) {
  absl::StatusOr<std::vector<engine::VolumeInfo>> all =
      volumes_->List(std::vector<std::string>(request->filters().begin(),
                                              request->filters().end()));
  if (!all.ok()) return ToGrpcStatus(all.status());
  for (const engine::VolumeInfo& v : *all) ToProto(v, response->add_volumes());
  return grpc::Status::OK;
}

grpc::Status VolumesService::Inspect(
    grpc::ServerContext* context,
    const crate::v1::InspectVolumeRequest* request,
    crate::v1::Volume* response) {
  absl::StatusOr<engine::VolumeInfo> info = volumes_->Inspect(request->name());
  if (!info.ok()) return ToGrpcStatus(info.status());
  ToProto(*info, response);
  return grpc::Status::OK;
}

grpc::Status VolumesService::Remove(
    grpc::ServerContext* context, const crate::v1::RemoveVolumeRequest* request,
    crate::v1::RemoveVolumeResponse* response) {
  absl::Status removed = volumes_->Remove(request->name(), request->force());
  if (removed.ok()) TellVolume(events_, "destroy", request->name());
  return ToGrpcStatus(removed);
}

grpc::Status VolumesService::Prune(
    grpc::ServerContext* context, const crate::v1::PruneVolumesRequest* request,
    crate::v1::PruneVolumesResponse* response) {
  absl::StatusOr<engine::VolumePruneReport> report =
      volumes_->Prune(std::vector<std::string>(request->filters().begin(),
                                               request->filters().end()));
  if (!report.ok()) return ToGrpcStatus(report.status());
  for (const std::string& name : report->removed) {
    response->add_removed(name);
    TellVolume(events_, "destroy", name);
  }
  response->set_reclaimed_bytes(report->space_reclaimed);
  for (const absl::Status& s : report->problems) {
    response->add_warnings(std::string(s.message()));
  }
  return grpc::Status::OK;
}

}  // namespace crate::server
