// create, run and start: the container's way from an image to its exit.
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "cli/crate/attach_session.h"
#include "cli/crate/commands.h"
#include "cli/crate/detach_keys.h"
#include "cli/crate/exit_codes.h"
#include "cli/crate/image_names.h"
#include "cli/crate/pull_progress.h"
#include "cli/crate/run_options.h"
#include "cli/crate/terminal.h"

namespace crate::cli {
namespace {

struct RunCommand {
  RunFlags flags;
  CLI::App* app = nullptr;
};

// Fails a create or start: the message, and docker's code for it.
int FailRun(const Client& client, const grpc::Status& s) {
  PrintError(client.ErrorText(s));
  return ExitCodeForRunError(s.error_code(), s.error_message());
}

// The image as --pull asks for it; pull output goes to stderr, as docker
// keeps stdout for the container.
grpc::Status EnsureImage(Client& client, const RunFlags& f,
                         const std::string& image) {
  if (f.pull == "never") return grpc::Status::OK;
  if (f.pull == "missing") {
    crate::v1::InspectImageRequest request;
    request.set_image(image);
    crate::v1::InspectImageResponse response;
    auto call = Client::Call();
    grpc::Status s = client.images().Inspect(call.get(), request, &response);
    if (s.error_code() != grpc::StatusCode::NOT_FOUND) return s;
    std::fprintf(stderr, "Unable to find image '%s' locally\n",
                 WithDefaultTag(image).c_str());
  }
  PullDisplay display;
  display.quiet = f.quiet;
  display.terminal = isatty(STDERR_FILENO);
  display.print_reference = false;
  // With its tag spelt out, as the line above says it.
  return PullImage(client, WithDefaultTag(image), f.platform, display, stderr);
}

void RemoveQuietly(Client& client, const std::string& id) {
  crate::v1::RemoveContainerRequest request;
  request.set_container(id);
  request.set_force(true);
  request.set_volumes(true);  // docker's --rm takes anonymous volumes too
  crate::v1::RemoveContainerResponse response;
  auto call = Client::Call(absl::Minutes(2));
  grpc::Status s = client.containers().Remove(call.get(), request, &response);
  if (!s.ok()) {
    std::fprintf(stderr, "Error: removing %s: %s\n", id.c_str(),
                 client.ErrorText(s).c_str());
  }
}

// Creates the container; 0 and its ID, or the exit code of the failure.
int Create(Context& ctx, const RunCommand& cmd, Client** client_out,
           std::string* id) {
  std::string image;
  std::vector<std::string> args;
  absl::Status split =
      SplitImageAndCommand(cmd.app->remaining(), &image, &args);
  if (!split.ok()) {
    // docker's wording: '"docker run" requires at least 1 argument.'
    bool missing = absl::StartsWith(split.message(), "requires");
    return PrintError(absl::StrCat(
        missing ? absl::StrCat("\"", CommandPath(cmd.app), "\" ") : "",
        split.message(), "\nSee '", CommandPath(cmd.app), " --help'."));
  }
  absl::StatusOr<crate::v1::CreateContainerRequest> request =
      BuildCreateRequest(cmd.flags, image, args, ProcessEnvironment());
  if (!request.ok()) return PrintError(request.status().message());
  absl::StatusOr<Client*> client = ctx.client();
  if (!client.ok()) return PrintError(client.status().message());
  *client_out = *client;
  grpc::Status s = EnsureImage(**client, cmd.flags, image);
  if (!s.ok()) return (*client)->Fail(s);
  crate::v1::CreateContainerResponse response;
  auto call = Client::Call(kCreateCall);
  s = (*client)->containers().Create(call.get(), *request, &response);
  if (!s.ok()) return FailRun(**client, s);
  for (const std::string& w : response.warnings()) {
    std::fprintf(stderr, "WARNING: %s\n", w.c_str());
  }
  *id = response.id();
  return 0;
}

grpc::Status Start(Client& client, const std::string& container) {
  crate::v1::StartContainerRequest request;
  request.set_container(container);
  crate::v1::StartContainerResponse response;
  auto call = Client::Call(kCreateCall);
  return client.containers().Start(call.get(), request, &response);
}

// Attaches, starts the container (in the same call), relays it until it
// exits (or we detach) and returns its exit code, removing it first with
// `remove`.
int StartAttached(Client& client, const std::string& id, AttachSetup setup,
                  bool remove) {
  setup.start = true;
  if (remove) {
    setup.on_exit = [&client, &id] { RemoveQuietly(client, id); };
    setup.on_start_failed = setup.on_exit;
  }
  return AttachAndRelay(client, id, setup);
}

AttachSetup SetupFor(const RunFlags& f) {
  AttachSetup setup;
  setup.stdin = f.interactive;
  setup.tty = f.tty;
  setup.detach_keys = f.detach_keys;
  setup.sig_proxy = f.sig_proxy;
  return setup;
}

int RunCreate(Context& ctx, const RunCommand& cmd) {
  Client* client = nullptr;
  std::string id;
  if (int rc = Create(ctx, cmd, &client, &id); rc != 0) return rc;
  std::printf("%s\n", id.c_str());
  return 0;
}

int RunRun(Context& ctx, const RunCommand& cmd) {
  // Refused before anything is made, as docker does.
  if (!cmd.flags.detach) {
    absl::StatusOr<std::string> keys = ParseDetachKeys(cmd.flags.detach_keys);
    if (!keys.ok()) return PrintError(keys.status().message());
    if (cmd.flags.tty && cmd.flags.interactive && !IsTerminal(STDIN_FILENO)) {
      return PrintError("the input device is not a TTY");
    }
  }
  Client* client = nullptr;
  std::string id;
  if (int rc = Create(ctx, cmd, &client, &id); rc != 0) return rc;
  if (!cmd.flags.detach) {
    return StartAttached(*client, id, SetupFor(cmd.flags), cmd.flags.rm);
  }
  grpc::Status s = Start(*client, id);
  if (!s.ok()) {
    int rc = FailRun(*client, s);
    if (cmd.flags.rm) RemoveQuietly(*client, id);
    return rc;
  }
  std::printf("%s\n", id.c_str());
  return 0;
}

CLI::App* AddCreate(CLI::App& parent, Context& ctx, const std::string& name,
                    bool run) {
  auto cmd = std::make_shared<RunCommand>();
  cmd->app = parent.add_subcommand(
      name, run ? "Create and run a new container from an image"
                : "Create a new container");
  SetUsage(cmd->app, "[OPTIONS] IMAGE [COMMAND] [ARG...]");
  AddRunFlags(*cmd->app, cmd->flags);
  if (run) {
    cmd->app->add_flag("-d,--detach", cmd->flags.detach,
                       "Run container in background and print container ID");
  }
  OnRun(cmd->app, ctx, [&ctx, cmd, run] {
    return run ? RunRun(ctx, *cmd) : RunCreate(ctx, *cmd);
  });
  return cmd->app;
}

struct StartFlags {
  std::vector<std::string> containers;
  bool attach = false;
  bool interactive = false;
  std::string detach_keys = "ctrl-p,ctrl-q";
};

// What start -a needs to know of the container: its terminal and stdin.
grpc::Status InspectConfig(Client& client, const std::string& container,
                           crate::v1::ContainerConfig* config) {
  crate::v1::InspectContainerRequest request;
  request.set_container(container);
  crate::v1::InspectContainerResponse response;
  auto call = Client::Call();
  grpc::Status s = client.containers().Inspect(call.get(), request, &response);
  *config = response.config();
  return s;
}

int RunStart(Context& ctx, const StartFlags& f) {
  if ((f.attach || f.interactive) && f.containers.size() > 1) {
    return PrintError(
        "you cannot start and attach multiple containers at once");
  }
  absl::StatusOr<Client*> client = ctx.client();
  if (!client.ok()) return PrintError(client.status().message());
  if (f.attach || f.interactive) {
    crate::v1::ContainerConfig config;
    grpc::Status s = InspectConfig(**client, f.containers[0], &config);
    if (!s.ok()) return (*client)->Fail(s);
    AttachSetup setup;
    setup.stdin = f.interactive && config.open_stdin();
    setup.tty = config.tty();
    setup.detach_keys = f.detach_keys;
    return StartAttached(**client, f.containers[0], setup, false);
  }
  int rc = 0;
  for (const std::string& c : f.containers) {
    grpc::Status s = Start(**client, c);
    if (!s.ok()) {
      rc = FailRun(**client, s);
      continue;
    }
    std::printf("%s\n", c.c_str());
  }
  return rc;
}

CLI::App* AddStart(CLI::App& parent, Context& ctx, const std::string& name) {
  auto f = std::make_shared<StartFlags>();
  CLI::App* cmd =
      parent.add_subcommand(name, "Start one or more stopped containers");
  SetUsage(cmd, "[OPTIONS] CONTAINER [CONTAINER...]");
  cmd->add_option("container", f->containers,
                  "Containers by name, ID or ID prefix")
      ->required();
  cmd->add_flag("-a,--attach", f->attach,
                "Attach STDOUT/STDERR and forward signals");
  cmd->add_flag("-i,--interactive", f->interactive, "Attach container's STDIN");
  cmd->add_option("--detach-keys", f->detach_keys,
                  "Override the key sequence for detaching a container")
      ->default_str(f->detach_keys);
  OnRun(cmd, ctx, [&ctx, f] { return RunStart(ctx, *f); });
  return cmd;
}

}  // namespace

void AddRunCommands(const CommandGroups& g, Context& ctx) {
  AddCreate(*g.root, ctx, "run", true)->group(kCommonGroup);
  AddCreate(*g.root, ctx, "create", false)->group(kCommandsGroup);
  AddStart(*g.root, ctx, "start")->group(kCommandsGroup);
  AddCreate(*g.container, ctx, "run", true)->group(kCommandsGroup);
  AddCreate(*g.container, ctx, "create", false)->group(kCommandsGroup);
  AddStart(*g.container, ctx, "start")->group(kCommandsGroup);
}

}  // namespace crate::cli
