// image prune, container prune and system prune.
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "cli/crate/commands.h"
#include "cli/crate/prompt.h"
#include "cli/crate/prune_output.h"

namespace crate::cli {
namespace {

struct PruneFlags {
  bool all = false;
  bool force = false;
  bool volumes = false;
  std::vector<std::string> filters;
};

// What one prune call freed, and what it printed.
struct Pruned {
  grpc::Status status;
  uint64_t reclaimed = 0;
};

// docker prints each prune's list followed by an empty line.
void PrintSection(const std::string& text) {
  if (!text.empty()) std::printf("%s\n", text.c_str());
}

Pruned PruneContainers(Client& client,
                       const std::vector<std::string>& filters) {
  crate::v1::PruneContainersRequest request;
  for (const std::string& f : filters) request.add_filters(f);
  crate::v1::PruneContainersResponse response;
  auto call = Client::Call(kNoDeadline);
  Pruned out;
  out.status = client.containers().Prune(call.get(), request, &response);
  if (!out.status.ok()) return out;
  PrintSection(DeletedContainersText(response));
  out.reclaimed = response.reclaimed_bytes();
  return out;
}

Pruned PruneImages(Client& client, bool all,
                   const std::vector<std::string>& filters) {
  crate::v1::PruneImagesRequest request;
  request.set_all(all);
  for (const std::string& f : filters) request.add_filters(f);
  crate::v1::PruneImagesResponse response;
  auto call = Client::Call(kNoDeadline);
  Pruned out;
  out.status = client.images().Prune(call.get(), request, &response);
  if (!out.status.ok()) return out;
  PrintSection(DeletedImagesText(response));
  out.reclaimed = response.reclaimed_bytes();
  return out;
}

Pruned PruneVolumes(Client& client, const std::vector<std::string>& filters) {
  crate::v1::PruneVolumesRequest request;
  for (const std::string& f : filters) request.add_filters(f);
  crate::v1::PruneVolumesResponse response;
  auto call = Client::Call(kNoDeadline);
  Pruned out;
  out.status = client.volumes().Prune(call.get(), request, &response);
  if (!out.status.ok()) return out;
  PrintSection(DeletedVolumesText(response));
  out.reclaimed = response.reclaimed_bytes();
  return out;
}

int ContainerPrune(Context& ctx, const PruneFlags& f) {
  if (!f.force &&
      !Confirm(stdin, stdout, PruneQuestion(ContainerPruneWarning())))
    return 0;
  absl::StatusOr<Client*> client = ctx.client();
  if (!client.ok()) return PrintError(client.status().message());
  Pruned p = PruneContainers(**client, f.filters);
  if (!p.status.ok()) return (*client)->Fail(p.status);
  std::printf("%s\n", ReclaimedText(p.reclaimed).c_str());
  return 0;
}

int ImagePrune(Context& ctx, const PruneFlags& f) {
  if (!f.force &&
      !Confirm(stdin, stdout, PruneQuestion(ImagePruneWarning(f.all))))
    return 0;
  absl::StatusOr<Client*> client = ctx.client();
  if (!client.ok()) return PrintError(client.status().message());
  Pruned p = PruneImages(**client, f.all, f.filters);
  if (!p.status.ok()) return (*client)->Fail(p.status);
  std::printf("%s\n", ReclaimedText(p.reclaimed).c_str());
  return 0;
}

int SystemPrune(Context& ctx, const PruneFlags& f) {
  absl::StatusOr<Client*> client = ctx.client();
  if (!client.ok()) return PrintError(client.status().message());
  if (f.volumes) {
    // Asked before anything is removed: a service without volumes must
    // not prune half of what the user agreed to.
    crate::v1::ListVolumesResponse listed;
    auto call = Client::Call();
    grpc::Status s = (*client)->volumes().List(
        call.get(), crate::v1::ListVolumesRequest(), &listed);
    if (s.error_code() == grpc::StatusCode::UNIMPLEMENTED) {
      return PrintError(
          "--volumes: this crated does not serve volumes (crate.v1.Volumes); "
          "nothing was pruned");
    }
    if (!s.ok()) return (*client)->Fail(s);
  }
  if (!f.force && !Confirm(stdin, stdout,
                           PruneQuestion(SystemPruneWarning(f.all, f.volumes,
                                                            f.filters)))) {
    return 0;
  }
  uint64_t reclaimed = 0;
  Pruned p = PruneContainers(**client, f.filters);
  if (!p.status.ok()) return (*client)->Fail(p.status);
  reclaimed += p.reclaimed;
  if (f.volumes) {
    p = PruneVolumes(**client, f.filters);
    if (!p.status.ok()) return (*client)->Fail(p.status);
    reclaimed += p.reclaimed;
  }
  p = PruneImages(**client, f.all, f.filters);
  if (!p.status.ok()) return (*client)->Fail(p.status);
  reclaimed += p.reclaimed;
  std::printf("%s\n", ReclaimedText(reclaimed).c_str());
  return 0;
}

CLI::App* AddPrune(CLI::App& parent, Context& ctx, const std::string& what,
                   int (*run)(Context&, const PruneFlags&)) {
  auto f = std::make_shared<PruneFlags>();
  const bool images = what == "images";
  const bool system = what == "system";
  CLI::App* cmd = parent.add_subcommand(
      "prune",
      system ? "Remove unused data"
             : absl::StrCat("Remove ", images ? "unused images"
                                              : "all stopped containers"));
  SetUsage(cmd, "[OPTIONS]");
  if (images || system) {
    cmd->add_flag("-a,--all", f->all,
                  images ? "Remove all unused images, not just dangling ones"
                         : "Remove all unused images not just dangling ones");
  }
  if (system) {
    cmd->add_flag("--volumes", f->volumes, "Prune anonymous volumes");
  }
  cmd->add_flag("-f,--force", f->force, "Do not prompt for confirmation");
  cmd->add_option("--filter", f->filters,
                  "Provide filter values (e.g. \"until=<timestamp>\", "
                  "\"label=<key>=<value>\")")
      ->allow_extra_args(false);
  OnRun(cmd, ctx, [&ctx, f, run] { return run(ctx, *f); });
  return cmd;
}

}  // namespace

void AddPruneCommands(const CommandGroups& g, Context& ctx) {
  AddPrune(*g.container, ctx, "containers", ContainerPrune)
      ->group(kCommandsGroup);
  AddPrune(*g.image, ctx, "images", ImagePrune)->group(kCommandsGroup);
  AddPrune(*g.system, ctx, "system", SystemPrune)->group(kCommandsGroup);
}

}  // namespace crate::cli
