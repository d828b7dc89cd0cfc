// logs (and container logs): the container's output from its log.
#include <memory>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "cli/crate/commands.h"
#include "cli/crate/humanize.h"
#include "cli/crate/log_stream.h"

namespace crate::cli {
namespace {

struct LogsFlags {
  std::string container;
  bool follow = false;
  std::string tail = "all";
  bool timestamps = false;
  std::string since;
};

int Logs(Context& ctx, const LogsFlags& f) {
  LogOptions options;
  options.follow = f.follow;
  options.timestamps = f.timestamps;
  if (f.tail != "all" && !absl::SimpleAtoi(f.tail, &options.tail)) {
    return PrintError(absl::StrCat("--tail ", f.tail,
                                   ": expected a number of lines or \"all\""));
  }
  if (!f.since.empty()) {
    absl::StatusOr<absl::Time> since = ParseSince(f.since, absl::Now());
    if (!since.ok()) return PrintError(since.status().message());
    options.since = *since;
  }
  absl::StatusOr<Client*> client = ctx.client();
  if (!client.ok()) return PrintError(client.status().message());
  // The API reads a tail of 0 without follow as "all" (proto3's unset);
  // none is none, but the container must still exist.
  if (options.tail == 0 && !options.follow) {
    crate::v1::InspectContainerRequest request;
    request.set_container(f.container);
    crate::v1::InspectContainerResponse response;
    auto call = Client::Call();
    grpc::Status s =
        (*client)->containers().Inspect(call.get(), request, &response);
    return s.ok() ? 0 : (*client)->Fail(s);
  }
  grpc::Status s = StreamLogs(**client, f.container, options);
  return s.ok() ? 0 : (*client)->Fail(s);
}

CLI::App* AddLogs(CLI::App& parent, Context& ctx, const std::string& name) {
  auto f = std::make_shared<LogsFlags>();
  CLI::App* cmd = parent.add_subcommand(name, "Fetch the logs of a container");
  SetUsage(cmd, "[OPTIONS] CONTAINER");
  cmd->add_option("container", f->container,
                  "The container by name, ID or ID prefix")
      ->required();
  cmd->add_flag("-f,--follow", f->follow, "Follow log output");
  cmd->add_option(
      "-n,--tail", f->tail,
      "Number of lines to show from the end of the logs (default \"all\")");
  cmd->add_flag("-t,--timestamps", f->timestamps, "Show timestamps");
  cmd->add_option("--since", f->since,
                  "Show logs since timestamp (2013-01-02T13:23:37Z) or "
                  "relative (42m for 42 minutes)");
  OnRun(cmd, ctx, [&ctx, f] { return Logs(ctx, *f); });
  return cmd;
}

}  // namespace

void AddLogsCommand(const CommandGroups& g, Context& ctx) {
  AddLogs(*g.root, ctx, "logs")->group(kCommandsGroup);
  AddLogs(*g.container, ctx, "logs")->group(kCommandsGroup);
}

}  // namespace crate::cli
