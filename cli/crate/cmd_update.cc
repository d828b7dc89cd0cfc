// update (and container update): a running or created container's limits,
// kept for its next start.
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "cli/crate/commands.h"
#include "cli/crate/update_options.h"

namespace crate::cli {
namespace {

struct Flags {
  UpdateFlags update;
  std::vector<std::string> containers;
};

int Update(Context& ctx, const Flags& f) {
  absl::StatusOr<crate::v1::UpdateContainerRequest> request =
      ToUpdateRequest(f.update);
  if (!request.ok()) return PrintError(request.status().message());
  absl::StatusOr<Client*> client = ctx.client();
  if (!client.ok()) return PrintError(client.status().message());
  // docker's way: each container in turn, its name printed when done, the
  // errors at the end.
  int rc = 0;
  for (const std::string& c : f.containers) {
    request->set_container(c);
    crate::v1::UpdateContainerResponse response;
    auto call = Client::Call();
    grpc::Status s =
        (*client)->containers().Update(call.get(), *request, &response);
    if (!s.ok()) {
      rc = (*client)->Fail(s);
      continue;
    }
    std::printf("%s\n", c.c_str());
  }
  return rc;
}

CLI::App* AddUpdate(CLI::App& parent, Context& ctx) {
  auto f = std::make_shared<Flags>();
  CLI::App* cmd = parent.add_subcommand(
      "update", "Update configuration of one or more containers");
  SetUsage(cmd, "[OPTIONS] CONTAINER [CONTAINER...]");
  cmd->add_option("containers", f->containers,
                  "Containers by name, ID or ID prefix")
      ->required();
  cmd->add_option("-m,--memory", f->update.memory, "Memory limit");
  cmd->add_option("--memory-swap", f->update.memory_swap,
                  "Swap limit equal to memory plus swap: -1 to enable "
                  "unlimited swap");
  cmd->add_option("--cpus", f->update.cpus, "Number of CPUs (0: no limit)");
  cmd->add_option("-c,--cpu-shares", f->update.cpu_shares,
                  "CPU shares (relative weight)");
  cmd->add_option("--pids-limit", f->update.pids_limit,
                  "Tune container pids limit (set -1 for unlimited)");
  OnRun(cmd, ctx, [&ctx, f] { return Update(ctx, *f); });
  return cmd;
}

}  // namespace

void AddUpdateCommand(const CommandGroups& g, Context& ctx) {
  AddUpdate(*g.root, ctx)->group(kCommandsGroup);
  AddUpdate(*g.container, ctx)->group(kCommandsGroup);
}

}  // namespace crate::cli
