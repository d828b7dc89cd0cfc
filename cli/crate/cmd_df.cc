// system df.
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "cli/crate/commands.h"
#include "cli/crate/disk_usage_rows.h"
#include "cli/crate/row_output.h"

namespace crate::cli {
namespace {

struct DfFlags {
  bool verbose = false;
  std::string format;
};

// The listings -v joins with the usage, for names, times, commands and
// the volumes each container uses (none from a crated without volumes).
grpc::Status Listings(Client& client,
                      std::vector<crate::v1::ImageSummary>* images,
                      std::vector<crate::v1::ContainerSummary>* containers,
                      std::vector<crate::v1::Volume>* volumes) {
  crate::v1::ListImagesRequest all_images;
  all_images.set_all(true);
  crate::v1::ListImagesResponse listed_images;
  auto call = Client::Call();
  grpc::Status s = client.images().List(call.get(), all_images, &listed_images);
  if (!s.ok()) return s;
  images->assign(listed_images.images().begin(), listed_images.images().end());
  crate::v1::ListContainersRequest all_containers;
  all_containers.set_all(true);
  crate::v1::ListContainersResponse listed_containers;
  call = Client::Call();
  s = client.containers().List(call.get(), all_containers, &listed_containers);
  if (!s.ok()) return s;
  containers->assign(listed_containers.containers().begin(),
                     listed_containers.containers().end());
  crate::v1::ListVolumesResponse listed_volumes;
  call = Client::Call();
  s = client.volumes().List(call.get(), crate::v1::ListVolumesRequest(),
                            &listed_volumes);
  if (s.error_code() == grpc::StatusCode::UNIMPLEMENTED)
    return grpc::Status::OK;
  if (!s.ok()) return s;
  volumes->assign(listed_volumes.volumes().begin(),
                  listed_volumes.volumes().end());
  return grpc::Status::OK;
}

int Df(Context& ctx, const DfFlags& f) {
  absl::StatusOr<Client*> client = ctx.client();
  if (!client.ok()) return PrintError(client.status().message());
  crate::v1::DiskUsageResponse usage;
  // Walking every writable layer and unpacked layer takes a while.
  auto call = Client::Call(absl::Minutes(10));
  grpc::Status s = (*client)->system().DiskUsage(
      call.get(), crate::v1::DiskUsageRequest(), &usage);
  if (!s.ok()) return (*client)->Fail(s);
  absl::StatusOr<std::string> out;
  if (f.verbose) {
    std::vector<crate::v1::ImageSummary> images;
    std::vector<crate::v1::ContainerSummary> containers;
    std::vector<crate::v1::Volume> volumes;
    s = Listings(**client, &images, &containers, &volumes);
    if (!s.ok()) return (*client)->Fail(s);
    out = VerboseDiskUsage(usage, images, containers, volumes, absl::Now());
  } else {
    out = RenderRows(DiskUsageRows(usage), f.format, kDiskUsageTable,
                     DiskUsageHeaders());
  }
  if (!out.ok()) return PrintError(out.status().message());
  std::fwrite(out->data(), 1, out->size(), stdout);
  return 0;
}

}  // namespace

void AddDiskUsageCommand(const CommandGroups& g, Context& ctx) {
  auto f = std::make_shared<DfFlags>();
  CLI::App* cmd = g.system->add_subcommand("df", "Show crate disk usage");
  cmd->group(kCommandsGroup);
  SetUsage(cmd, "[OPTIONS]");
  CLI::Option* verbose = cmd->add_flag(
      "-v,--verbose", f->verbose, "Show detailed information on space usage");
  CLI::Option* format = cmd->add_option(
      "--format", f->format,
      "Format output using a custom template: 'table', 'table TEMPLATE', "
      "'json', 'TEMPLATE'");
  verbose->excludes(format);
  OnRun(cmd, ctx, [&ctx, f] { return Df(ctx, *f); });
}

}  // namespace crate::cli
