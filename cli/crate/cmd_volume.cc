// volume create, ls, inspect, rm and prune: docker's volume commands over
// crate.v1.Volumes.
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "cli/crate/commands.h"
#include "cli/crate/format_template.h"
#include "cli/crate/humanize.h"
#include "cli/crate/prompt.h"
#include "cli/crate/row_output.h"
#include "cli/crate/volume_rows.h"

namespace crate::cli {
namespace {

struct CreateFlags {
  std::string name;
  std::string name_flag;  // --name, docker's older spelling
  std::string driver;
  std::vector<std::string> labels;
  std::vector<std::string> options;
};

int Create(Context& ctx, const CreateFlags& f) {
  if (!f.name.empty() && !f.name_flag.empty() && f.name != f.name_flag) {
    return PrintError(
        "conflicting options: either specify --name or provide positional "
        "arg, not both");
  }
  absl::StatusOr<std::map<std::string, std::string>> labels =
      ParseKeyValues(f.labels, /*value_required=*/false, "label");
  if (!labels.ok()) return PrintError(labels.status().message());
  absl::StatusOr<std::map<std::string, std::string>> options =
      ParseKeyValues(f.options, /*value_required=*/true, "driver option");
  if (!options.ok()) return PrintError(options.status().message());
  absl::StatusOr<Client*> client = ctx.client();
  if (!client.ok()) return PrintError(client.status().message());
  crate::v1::CreateVolumeRequest request;
  request.set_name(f.name.empty() ? f.name_flag : f.name);
  request.set_driver(f.driver);
  request.mutable_labels()->insert(labels->begin(), labels->end());
  request.mutable_options()->insert(options->begin(), options->end());
  crate::v1::Volume volume;
  auto call = Client::Call();
  grpc::Status s = (*client)->volumes().Create(call.get(), request, &volume);
  if (!s.ok()) return (*client)->Fail(s);
  std::printf("%s\n", volume.name().c_str());
  return 0;
}

CLI::App* AddCreate(CLI::App& parent, Context& ctx) {
  auto f = std::make_shared<CreateFlags>();
  CLI::App* cmd = parent.add_subcommand("create", "Create a volume");
  SetUsage(cmd, "[OPTIONS] [VOLUME]");
  cmd->add_option("volume", f->name, "The volume's name (default: generated)");
  cmd->add_option("--name", f->name_flag, "Specify volume name");
  cmd->add_option("-d,--driver", f->driver,
                  "Specify volume driver name (only \"local\")");
  cmd->add_option("--label", f->labels, "Set metadata for a volume (K[=V])")
      ->allow_extra_args(false);
  cmd->add_option("-o,--opt", f->options,
                  "Set driver specific options (type, device, o, size)")
      ->allow_extra_args(false);
  OnRun(cmd, ctx, [&ctx, f] { return Create(ctx, *f); });
  return cmd;
}

struct LsFlags {
  bool quiet = false;
  std::vector<std::string> filters;
  std::string format;
};

int Ls(Context& ctx, const LsFlags& f) {
  absl::StatusOr<Client*> client = ctx.client();
  if (!client.ok()) return PrintError(client.status().message());
  crate::v1::ListVolumesRequest request;
  for (const std::string& filter : f.filters) request.add_filters(filter);
  crate::v1::ListVolumesResponse response;
  auto call = Client::Call();
  grpc::Status s = (*client)->volumes().List(call.get(), request, &response);
  if (!s.ok()) return (*client)->Fail(s);
  if (f.quiet) {
    for (const crate::v1::Volume& v : response.volumes()) {
      std::printf("%s\n", v.name().c_str());
    }
    return 0;
  }
  std::vector<Json> rows;
  for (const crate::v1::Volume& v : response.volumes()) {
    rows.push_back(VolumeRow(v));
  }
  absl::StatusOr<std::string> out =
      RenderRows(rows, f.format, kVolumesTable, VolumeHeaders());
  if (!out.ok()) return PrintError(out.status().message());
  std::fwrite(out->data(), 1, out->size(), stdout);
  return 0;
}

CLI::App* AddLs(CLI::App& parent, Context& ctx) {
  auto f = std::make_shared<LsFlags>();
  CLI::App* cmd = parent.add_subcommand("ls", "List volumes");
  cmd->alias("list");
  SetUsage(cmd, "[OPTIONS]");
  cmd->add_flag("-q,--quiet", f->quiet, "Only display volume names");
  cmd->add_option("-f,--filter", f->filters,
                  "Provide filter values (dangling=true|false, driver=, "
                  "label=K[=V], name=)")
      ->allow_extra_args(false);
  cmd->add_option("--format", f->format,
                  "Format output using a custom template: 'table', 'table "
                  "TEMPLATE', 'json', 'TEMPLATE'");
  OnRun(cmd, ctx, [&ctx, f] { return Ls(ctx, *f); });
  return cmd;
}

struct InspectFlags {
  std::vector<std::string> names;
  std::string format;
};

int Inspect(Context& ctx, const InspectFlags& f) {
  std::optional<FormatTemplate> tmpl;
  if (KindOf(f.format) == OutputKind::kTemplate) {
    absl::StatusOr<FormatTemplate> parsed =
        FormatTemplate::Parse(f.format, /*strict=*/false);
    if (!parsed.ok()) return PrintError(parsed.status().message());
    tmpl = *std::move(parsed);
  }
  absl::StatusOr<Client*> client = ctx.client();
  if (!client.ok()) return PrintError(client.status().message());
  Json found = Json::array();
  std::vector<std::string> errors;
  for (const std::string& name : f.names) {
    crate::v1::InspectVolumeRequest request;
    request.set_name(name);
    crate::v1::Volume volume;
    auto call = Client::Call();
    grpc::Status s = (*client)->volumes().Inspect(call.get(), request, &volume);
    if (!s.ok()) {
      errors.push_back((*client)->ErrorText(s));
      continue;
    }
    found.push_back(VolumeInspectJson(volume));
  }
  if (tmpl) {
    for (const Json& object : found) {
      absl::StatusOr<std::string> line = tmpl->Render(object);
      if (!line.ok()) return PrintError(line.status().message());
      std::printf("%s\n", line->c_str());
    }
  } else {
    std::printf("%s\n", found.dump(4).c_str());
  }
  int rc = 0;
  for (const std::string& e : errors) rc = PrintError(e);
  return rc;
}

CLI::App* AddInspect(CLI::App& parent, Context& ctx) {
  auto f = std::make_shared<InspectFlags>();
  CLI::App* cmd = parent.add_subcommand(
      "inspect", "Display detailed information on one or more volumes");
  SetUsage(cmd, "[OPTIONS] VOLUME [VOLUME...]");
  cmd->add_option("volume", f->names, "Volume names")->required();
  cmd->add_option("-f,--format", f->format,
                  "Format output using a custom template ('json', or a "
                  "template such as '{{.Mountpoint}}')");
  OnRun(cmd, ctx, [&ctx, f] { return Inspect(ctx, *f); });
  return cmd;
}

struct RmFlags {
  std::vector<std::string> names;
  bool force = false;
};

int Rm(Context& ctx, const RmFlags& f) {
  absl::StatusOr<Client*> client = ctx.client();
  if (!client.ok()) return PrintError(client.status().message());
  int rc = 0;
  for (const std::string& name : f.names) {
    crate::v1::RemoveVolumeRequest request;
    request.set_name(name);
    request.set_force(f.force);
    crate::v1::RemoveVolumeResponse response;
    auto call = Client::Call(absl::Minutes(2));  // deletes the data
    grpc::Status s =
        (*client)->volumes().Remove(call.get(), request, &response);
    if (!s.ok()) {
      rc = (*client)->Fail(s);
      continue;
    }
    std::printf("%s\n", name.c_str());
    std::fflush(stdout);
  }
  return rc;
}

CLI::App* AddRm(CLI::App& parent, Context& ctx) {
  auto f = std::make_shared<RmFlags>();
  CLI::App* cmd = parent.add_subcommand("rm", "Remove one or more volumes");
  cmd->alias("remove");
  SetUsage(cmd, "[OPTIONS] VOLUME [VOLUME...]");
  cmd->add_option("volume", f->names, "Volume names")->required();
  cmd->add_flag("-f,--force", f->force,
                "Force the removal of one or more volumes, even in use");
  OnRun(cmd, ctx, [&ctx, f] { return Rm(ctx, *f); });
  return cmd;
}

struct PruneFlags {
  bool force = false;
  bool all = false;
  std::vector<std::string> filters;
};

constexpr char kPruneAnonymous[] =
    "WARNING! This will remove anonymous local volumes not used by at least "
    "one container.\nAre you sure you want to continue?";
constexpr char kPruneAll[] =
    "WARNING! This will remove all local volumes not used by at least one "
    "container.\nAre you sure you want to continue?";

int Prune(Context& ctx, const PruneFlags& f) {
  crate::v1::PruneVolumesRequest request;
  for (const std::string& filter : f.filters) {
    if (f.all && filter.rfind("all=", 0) == 0) {
      return PrintError(
          "conflicting options: cannot specify both --all and --filter all=1");
    }
    request.add_filters(filter);
  }
  if (f.all) request.add_filters("all=true");
  if (!f.force &&
      !Confirm(stdin, stdout, f.all ? kPruneAll : kPruneAnonymous)) {
    // As docker: declining is not an error, and nothing was removed.
    std::fprintf(stderr, "Volume prune cancelled: nothing was removed\n");
    return 0;
  }
  absl::StatusOr<Client*> client = ctx.client();
  if (!client.ok()) return PrintError(client.status().message());
  crate::v1::PruneVolumesResponse response;
  auto call = Client::Call(absl::Minutes(10));  // deletes the data
  grpc::Status s = (*client)->volumes().Prune(call.get(), request, &response);
  if (!s.ok()) return (*client)->Fail(s);
  for (const std::string& w : response.warnings()) {
    std::fprintf(stderr, "Warning: %s\n", w.c_str());
  }
  if (response.removed_size() > 0) {
    std::printf("Deleted Volumes:\n");
    for (const std::string& name : response.removed()) {
      std::printf("%s\n", name.c_str());
    }
    std::printf("\n");
  }
  std::printf(
      "Total reclaimed space: %s\n",
      HumanSize(static_cast<double>(response.reclaimed_bytes())).c_str());
  return 0;
}

CLI::App* AddPrune(CLI::App& parent, Context& ctx) {
  auto f = std::make_shared<PruneFlags>();
  CLI::App* cmd = parent.add_subcommand(
      "prune", "Remove unused local volumes (anonymous ones, or all with -a)");
  SetUsage(cmd, "[OPTIONS]");
  cmd->add_flag("-a,--all", f->all,
                "Remove all unused volumes, not just anonymous ones");
  cmd->add_flag("-f,--force", f->force, "Do not prompt for confirmation");
  cmd->add_option("--filter", f->filters,
                  "Provide filter values (label=K[=V], label!=K[=V])")
      ->allow_extra_args(false);
  OnRun(cmd, ctx, [&ctx, f] { return Prune(ctx, *f); });
  return cmd;
}

}  // namespace

void AddVolumeCommands(const CommandGroups& g, Context& ctx) {
  CLI::App* volume = g.root->add_subcommand("volume", "Manage volumes");
  volume->group(kManagementGroup);
  volume->require_subcommand(1);
  SetUsage(volume, "COMMAND");
  for (CLI::App* cmd :
       {AddCreate(*volume, ctx), AddLs(*volume, ctx), AddInspect(*volume, ctx),
        AddRm(*volume, ctx), AddPrune(*volume, ctx)}) {
    cmd->group(kCommandsGroup);
  }
}

}  // namespace crate::cli
