// stats (and container stats): docker's live table of containers' usage.
// The service answers counters; CPU % comes from two reads a second apart
// (docs/SERVICE.md).
#include <unistd.h>

#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "cli/crate/commands.h"
#include "cli/crate/row_output.h"
#include "cli/crate/stats_rows.h"
#include "cli/crate/terminal.h"

namespace crate::cli {
namespace {

constexpr absl::Duration kInterval = absl::Seconds(1);

struct StatsFlags {
  bool all = false;
  bool no_stream = false;
  std::string format;
  std::vector<std::string> containers;
};

// The containers to show: those named, else the running ones (all with
// -a), looked up again each round so that new ones appear.
grpc::Status Targets(Client& client, const StatsFlags& f,
                     std::vector<std::string>* out) {
  if (!f.containers.empty()) {
    *out = f.containers;
    return grpc::Status::OK;
  }
  crate::v1::ListContainersRequest request;
  request.set_all(f.all);
  crate::v1::ListContainersResponse response;
  auto call = Client::Call();
  grpc::Status s = client.containers().List(call.get(), request, &response);
  out->clear();
  for (const auto& c : response.containers()) out->push_back(c.id());
  return s;
}

grpc::Status Sample(Client& client, const std::vector<std::string>& targets,
                    bool named, std::vector<crate::v1::StatsResponse>* out) {
  out->clear();
  for (const std::string& t : targets) {
    crate::v1::StatsRequest request;
    request.set_container(t);
    crate::v1::StatsResponse response;
    auto call = Client::Call();
    grpc::Status s = client.containers().Stats(call.get(), request, &response);
    // A container listed a moment ago may be gone; one named may not.
    if (!s.ok() && (named || s.error_code() != grpc::StatusCode::NOT_FOUND)) {
      return s;
    }
    if (s.ok()) out->push_back(response);
  }
  return grpc::Status::OK;
}

int Stats(Context& ctx, const StatsFlags& f) {
  // A bad template is refused before anything is asked.
  absl::StatusOr<std::string> check =
      RenderRows({}, f.format, kStatsTable, StatsHeaders());
  if (!check.ok()) return PrintError(check.status().message());
  absl::StatusOr<Client*> client = ctx.client();
  if (!client.ok()) return PrintError(client.status().message());
  const bool redraw = !f.no_stream && IsTerminal(STDOUT_FILENO);
  std::map<std::string, crate::v1::StatsResponse> before;
  std::vector<std::string> targets;
  std::vector<crate::v1::StatsResponse> now;
  for (bool first = true;; first = false) {
    grpc::Status s = Targets(**client, f, &targets);
    if (s.ok()) s = Sample(**client, targets, !f.containers.empty(), &now);
    if (!s.ok()) return (*client)->Fail(s);
    bool any_running = false;
    for (const auto& n : now) any_running = any_running || n.running();
    if (first && any_running) {
      // CPU % needs a second read.
      for (const auto& n : now) before[n.id()] = n;
      absl::SleepFor(kInterval);
      s = Sample(**client, targets, !f.containers.empty(), &now);
      if (!s.ok()) return (*client)->Fail(s);
    }
    std::vector<Json> rows;
    for (const auto& n : now) {
      auto b = before.find(n.id());
      rows.push_back(StatsRow(n, b != before.end() ? &b->second : nullptr));
    }
    absl::StatusOr<std::string> out =
        RenderRows(rows, f.format, kStatsTable, StatsHeaders());
    if (!out.ok()) return PrintError(out.status().message());
    if (redraw) std::fputs("\033[2J\033[H", stdout);  // docker's redraw
    std::fwrite(out->data(), 1, out->size(), stdout);
    std::fflush(stdout);
    if (f.no_stream) return 0;
    before.clear();
    for (const auto& n : now) before[n.id()] = n;
    absl::SleepFor(kInterval);
  }
}

CLI::App* AddStats(CLI::App& parent, Context& ctx) {
  auto f = std::make_shared<StatsFlags>();
  CLI::App* cmd = parent.add_subcommand(
      "stats",
      "Display a live stream of container(s) resource usage statistics");
  SetUsage(cmd, "[OPTIONS] [CONTAINER...]");
  cmd->add_option("containers", f->containers,
                  "Containers by name, ID or ID prefix (default: the running "
                  "ones)");
  cmd->add_flag("-a,--all", f->all,
                "Show all containers (default shows just running)");
  cmd->add_flag("--no-stream", f->no_stream,
                "Disable streaming stats and only pull the first result");
  cmd->add_option("--format", f->format,
                  "Format output using a custom template: 'table', 'table "
                  "TEMPLATE', 'json', 'TEMPLATE'");
  OnRun(cmd, ctx, [&ctx, f] { return Stats(ctx, *f); });
  return cmd;
}

}  // namespace

void AddStatsCommand(const CommandGroups& g, Context& ctx) {
  AddStats(*g.root, ctx)->group(kCommandsGroup);
  AddStats(*g.container, ctx)->group(kCommandsGroup);
}

}  // namespace crate::cli
