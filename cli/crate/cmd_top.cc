// top (and container top): the container's processes as the host's ps
// shows them, through the service (which may be on another host).
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "cli/crate/commands.h"
#include "cli/crate/table.h"

namespace crate::cli {
namespace {

struct TopFlags {
  CLI::App* app = nullptr;
};

int Top(Context& ctx, const TopFlags& f) {
  std::vector<std::string> words = f.app->remaining();
  if (words.empty()) {
    return PrintError(
        "\"crate top\" requires at least 1 argument: CONTAINER [ps OPTIONS]");
  }
  absl::StatusOr<Client*> client = ctx.client();
  if (!client.ok()) return PrintError(client.status().message());
  crate::v1::TopRequest request;
  request.set_container(words[0]);
  for (size_t i = 1; i < words.size(); ++i) request.add_ps_args(words[i]);
  crate::v1::TopResponse response;
  auto call = Client::Call();
  grpc::Status s = (*client)->containers().Top(call.get(), request, &response);
  if (!s.ok()) return (*client)->Fail(s);
  Table table;
  table.AddRow({response.titles().begin(), response.titles().end()});
  for (const auto& p : response.processes()) {
    table.AddRow({p.fields().begin(), p.fields().end()});
  }
  std::string out = table.Render();
  std::fwrite(out.data(), 1, out.size(), stdout);
  return 0;
}

CLI::App* AddTop(CLI::App& parent, Context& ctx) {
  auto f = std::make_shared<TopFlags>();
  CLI::App* cmd = parent.add_subcommand(
      "top", "Display the running processes of a container");
  f->app = cmd;
  SetUsage(cmd, "CONTAINER [ps OPTIONS]");
  // CONTAINER [ps OPTIONS]: everything after the container is ps's own
  // ("-o pid,comm", "aux"; default -ef).
  cmd->prefix_command();
  OnRun(cmd, ctx, [&ctx, f] { return Top(ctx, *f); });
  return cmd;
}

}  // namespace

void AddTopCommand(const CommandGroups& g, Context& ctx) {
  AddTop(*g.root, ctx)->group(kCommandsGroup);
  AddTop(*g.container, ctx)->group(kCommandsGroup);
}

}  // namespace crate::cli
