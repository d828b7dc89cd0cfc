// ps (and container ls): docker's table of containers.
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "cli/crate/commands.h"
#include "cli/crate/container_rows.h"
#include "cli/crate/row_output.h"

namespace crate::cli {
namespace {

struct PsFlags {
  bool all = false;
  bool quiet = false;
  int last = 0;
  bool latest = false;
  std::vector<std::string> filters;
  std::string format;
  bool no_trunc = false;
};

int Ps(Context& ctx, const PsFlags& f) {
  absl::StatusOr<Client*> client = ctx.client();
  if (!client.ok()) return PrintError(client.status().message());
  crate::v1::ListContainersRequest request;
  int limit = f.latest ? 1 : f.last;
  // -n and -l look at every state, as docker's do.
  request.set_all(f.all || limit > 0);
  request.set_limit(limit > 0 ? limit : 0);
  for (const std::string& filter : f.filters) request.add_filters(filter);
  crate::v1::ListContainersResponse response;
  auto call = Client::Call();
  grpc::Status s = (*client)->containers().List(call.get(), request, &response);
  if (!s.ok()) return (*client)->Fail(s);
  if (f.quiet) {
    for (const crate::v1::ContainerSummary& c : response.containers()) {
      std::printf("%s\n",
                  f.no_trunc ? c.id().c_str() : c.id().substr(0, 12).c_str());
    }
    return 0;
  }
  absl::Time now = absl::Now();
  std::vector<Json> rows;
  for (const crate::v1::ContainerSummary& c : response.containers()) {
    rows.push_back(ContainerRow(c, now, !f.no_trunc));
  }
  absl::StatusOr<std::string> out =
      RenderRows(rows, f.format, kPsTable, ContainerHeaders());
  if (!out.ok()) return PrintError(out.status().message());
  std::fwrite(out->data(), 1, out->size(), stdout);
  return 0;
}

CLI::App* AddPs(CLI::App& parent, Context& ctx, const std::string& name) {
  auto f = std::make_shared<PsFlags>();
  CLI::App* cmd = parent.add_subcommand(name, "List containers");
  SetUsage(cmd, "[OPTIONS]");
  cmd->add_flag("-a,--all", f->all,
                "Show all containers (default shows just running)");
  cmd->add_flag("-q,--quiet", f->quiet, "Only display container IDs");
  cmd->add_option("-n,--last", f->last,
                  "Show n last created containers (includes all states)");
  cmd->add_flag("-l,--latest", f->latest,
                "Show the latest created container (includes all states)");
  cmd->add_option("-f,--filter", f->filters,
                  "Filter output based on conditions provided (name=, id=, "
                  "label=, status=, ancestor=)")
      ->allow_extra_args(false);
  cmd->add_option("--format", f->format,
                  "Format output using a custom template: 'table', 'table "
                  "TEMPLATE', 'json', 'TEMPLATE'");
  cmd->add_flag("--no-trunc", f->no_trunc, "Don't truncate output");
  OnRun(cmd, ctx, [&ctx, f] { return Ps(ctx, *f); });
  return cmd;
}

}  // namespace

void AddPsCommand(const CommandGroups& g, Context& ctx) {
  AddPs(*g.root, ctx, "ps")->group(kCommonGroup);
  AddPs(*g.container, ctx, "ls")
      ->alias("ps")
      ->alias("list")
      ->group(kCommandsGroup);
}

}  // namespace crate::cli
