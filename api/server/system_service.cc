#include "api/server/system_service.h"

#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "absl/time/clock.h"
#include "api/engine/disk_usage.h"
#include "api/engine/engine.h"
#include "api/server/events_stream.h"
#include "api/server/status_convert.h"
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

grpc::Status SystemService::Info(grpc::ServerContext* /*context*/,
                                 const crate::v1::InfoRequest* /*request*/,
                                 crate::v1::InfoResponse* response) {
  if (engine_ == nullptr) {
    return grpc::Status(grpc::StatusCode::UNIMPLEMENTED,
                        "this service holds no containers");
  }
  response->set_version(kCrateVersion);
  response->set_rootless(geteuid() != 0);
  response->set_root_dir(facts_.root);
  response->set_run_dir(facts_.run);
  response->set_cgroup_version(engine::Engine::CgroupVersion());
  struct utsname u;
  if (uname(&u) == 0) {
    response->set_kernel(u.release);
    response->set_architecture(u.machine);
    response->set_os(u.sysname);
  }
  response->set_cpus(static_cast<int>(sysconf(_SC_NPROCESSORS_ONLN)));
  struct sysinfo si;
  if (sysinfo(&si) == 0) {
    response->set_memory_bytes(static_cast<uint64_t>(si.totalram) *
                               si.mem_unit);
  }
  engine::ListOptions all;
  all.all = true;
  absl::StatusOr<std::vector<engine::ContainerInfo>> containers =
      engine_->List(all);
  if (!containers.ok()) return ToGrpcStatus(containers.status());
  int running = 0, stopped = 0;
  for (const engine::ContainerInfo& c : *containers) {
    if (c.status == engine::Status::kRunning) ++running;
    if (c.status == engine::Status::kExited) ++stopped;
  }
  response->set_containers(static_cast<int>(containers->size()));
  response->set_containers_running(running);
  response->set_containers_stopped(stopped);
  absl::StatusOr<std::vector<registry::ImageSummary>> images =
      engine_->images().List();
  if (!images.ok()) return ToGrpcStatus(images.status());
  response->set_images(static_cast<int>(images->size()));
  response->set_started_unix_nanos(absl::ToUnixNanos(started_));
  response->set_idle_timeout_seconds(facts_.idle_timeout_seconds);
  return grpc::Status::OK;
}

namespace {

void FillItems(
    const std::vector<engine::UsageItem>& items,
    google::protobuf::RepeatedPtrField<crate::v1::DiskUsageResponse::Item>*
        out) {
  for (const engine::UsageItem& i : items) {
    crate::v1::DiskUsageResponse::Item* item = out->Add();
    item->set_id(i.id);
    item->set_name(i.name);
    item->set_size_bytes(i.size);
    item->set_in_use(i.in_use);
    item->set_shared_size_bytes(i.shared);
    item->set_containers(i.containers);
  }
}

}  // namespace

grpc::Status SystemService::DiskUsage(
    grpc::ServerContext* /*context*/,
    const crate::v1::DiskUsageRequest* /*request*/,
    crate::v1::DiskUsageResponse* response) {
  if (engine_ == nullptr) {
    return grpc::Status(grpc::StatusCode::UNIMPLEMENTED,
                        "this service holds no containers");
  }
  engine::VolumeSourcesFn volumes =
      [this]() -> absl::StatusOr<std::vector<engine::VolumeSource>> {
    absl::StatusOr<std::vector<engine::VolumeInfo>> all =
        engine_->volumes().List({});
    if (!all.ok()) return all.status();
    std::vector<engine::VolumeSource> sources;
    for (const engine::VolumeInfo& v : *all) {
      sources.push_back({v.record.name, v.record.mountpoint,
                         static_cast<int>(v.containers.size())});
    }
    return sources;
  };
  absl::StatusOr<engine::DiskUsage> usage =
      engine::ComputeDiskUsage(*engine_, volumes);
  if (!usage.ok()) return ToGrpcStatus(usage.status());
  FillItems(usage->images, response->mutable_images());
  FillItems(usage->containers, response->mutable_containers());
  FillItems(usage->volumes, response->mutable_volumes());
  response->set_images_bytes(usage->images_bytes);
  response->set_containers_bytes(usage->containers_bytes);
  response->set_volumes_bytes(usage->volumes_bytes);
  response->set_images_reclaimable_bytes(usage->images_reclaimable);
  response->set_containers_reclaimable_bytes(usage->containers_reclaimable);
  response->set_volumes_reclaimable_bytes(usage->volumes_reclaimable);
  response->set_reclaimable_bytes(usage->images_reclaimable +
                                  usage->containers_reclaimable +
                                  usage->volumes_reclaimable);
  return grpc::Status::OK;
}

grpc::Status SystemService::Events(
    grpc::ServerContext* context, const crate::v1::EventsRequest* request,
    grpc::ServerWriter<crate::v1::Event>* writer) {
  if (engine_ == nullptr) {
    return grpc::Status(grpc::StatusCode::UNIMPLEMENTED,
                        "this service holds no containers");
  }
  return StreamEvents(*engine_, context, *request, writer);
}

}  // namespace crate::server
