// attach: this terminal to a running container's own process, as docker's.
#include <memory>
#include <string>

#include "cli/crate/attach_session.h"
#include "cli/crate/commands.h"

namespace crate::cli {
namespace {

struct AttachFlags {
  std::string container;
  bool no_stdin = false;
  bool sig_proxy = true;
  std::string detach_keys = "ctrl-p,ctrl-q";
};

int RunAttach(Context& ctx, const AttachFlags& f) {
  absl::StatusOr<Client*> client = ctx.client();
  if (!client.ok()) return PrintError(client.status().message());
  crate::v1::InspectContainerRequest request;
  request.set_container(f.container);
  crate::v1::InspectContainerResponse response;
  auto call = Client::Call();
  grpc::Status s =
      (*client)->containers().Inspect(call.get(), request, &response);
  if (!s.ok()) return (*client)->Fail(s);
  if (response.summary().status() != crate::v1::RUNNING) {
    return PrintError(
        "You cannot attach to a stopped container, start it first");
  }
  AttachSetup setup;
  setup.stdin = !f.no_stdin && response.config().open_stdin();
  setup.tty = response.config().tty();
  setup.detach_keys = f.detach_keys;
  setup.sig_proxy = f.sig_proxy;
  // By ID: the name might be given to another container meanwhile.
  return AttachAndRelay(**client, response.summary().id(), setup);
}

CLI::App* AddAttach(CLI::App& parent, Context& ctx) {
  auto f = std::make_shared<AttachFlags>();
  CLI::App* cmd = parent.add_subcommand(
      "attach",
      "Attach local standard input, output, and error streams to a running "
      "container");
  SetUsage(cmd, "[OPTIONS] CONTAINER");
  cmd->add_option("container", f->container,
                  "The container, by name, ID or ID prefix")
      ->required();
  cmd->add_option("--detach-keys", f->detach_keys,
                  "Override the key sequence for detaching a container")
      ->default_str(f->detach_keys);
  cmd->add_flag("--no-stdin", f->no_stdin, "Do not attach STDIN");
  cmd->add_flag("--sig-proxy", f->sig_proxy,
                "Proxy all received signals to the process")
      ->default_str("true");
  OnRun(cmd, ctx, [&ctx, f] { return RunAttach(ctx, *f); });
  return cmd;
}

}  // namespace

void AddAttachCommand(const CommandGroups& g, Context& ctx) {
  AddAttach(*g.root, ctx)->group(kCommandsGroup);
  AddAttach(*g.container, ctx)->group(kCommandsGroup);
}

}  // namespace crate::cli
