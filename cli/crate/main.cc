// crate: the docker-style command line, one gRPC client of crated among
// others. This file only builds the command tree and dispatches; each
// command lives in its cmd_*.cc.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>
#include <string>

#include "cli/crate/client.h"
#include "cli/crate/commands.h"
#include "cli/crate/context.h"
#include "cli/crate/exit_codes.h"
#include "cli/crate/signal_proxy.h"
#include "runtime/base/version.h"

namespace crate::cli {
namespace {

// The deepest command the command line reached, for "See '... --help'".
const CLI::App* Reached(const CLI::App* app) {
  for (const CLI::App* sub : app->get_subcommands()) return Reached(sub);
  return app;
}

int Main(int argc, char** argv) {
  Context ctx;
  CLI::App root(
      "A container runtime with docker's commands, over the crated service",
      "crate");
  root.formatter(std::make_shared<UsageFormatter>());
  SetUsage(&root, "[OPTIONS] COMMAND");
  root.require_subcommand(1);
  root.add_option(
      "-H,--host", ctx.connect.host,
      "Service socket to connect to (unix:///path; default $CRATE_HOST, "
      "else /run/crate/crate.sock or $XDG_RUNTIME_DIR/crate/crate.sock)");
  bool version = false;
  root.add_flag("-v,--version", version, "Print version information and quit");

  CommandGroups groups{&root};
  groups.container = root.add_subcommand("container", "Manage containers");
  groups.image = root.add_subcommand("image", "Manage images");
  groups.system = root.add_subcommand("system", "Manage crate");
  for (CLI::App* noun : {groups.container, groups.image, groups.system}) {
    noun->group(kManagementGroup);
    noun->require_subcommand(1);
    SetUsage(noun, "COMMAND");
  }
  AddRunCommands(groups, ctx);
  AddExecCommand(groups, ctx);
  AddAttachCommand(groups, ctx);
  AddPsCommand(groups, ctx);
  AddImageCommands(groups, ctx);
  AddArchiveCommands(groups, ctx);
  AddLifecycleCommands(groups, ctx);
  AddLogsCommand(groups, ctx);
  AddInspectCommands(groups, ctx);
  AddSystemCommands(groups, ctx);
  AddRegistryCommands(groups, ctx);
  AddPruneCommands(groups, ctx);
  AddDiskUsageCommand(groups, ctx);
  AddEventsCommand(groups, ctx);
  AddStatsCommand(groups, ctx);
  AddUpdateCommand(groups, ctx);
  AddTopCommand(groups, ctx);
  AddVolumeCommands(groups, ctx);
  AddCompletionCommand(groups, ctx);

  // `crate --version` needs no command.
  if (argc == 2 &&
      (std::string(argv[1]) == "-v" || std::string(argv[1]) == "--version")) {
    std::printf("crate version %s\n", kCrateVersion);
    return 0;
  }
  try {
    root.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::fputs(Reached(&root)->help().c_str(), stdout);
    return 0;
  } catch (const CLI::CallForAllHelp&) {
    std::fputs(root.help("", CLI::AppFormatMode::All).c_str(), stdout);
    return 0;
  } catch (const CLI::ParseError& e) {
    const CLI::App* at = Reached(&root);
    if (at == &root && argc < 2) {
      std::fputs(root.help().c_str(), stderr);
      return kExitCrateError;
    }
    return PrintError(std::string(e.what()) + "\nSee '" + CommandPath(at) +
                      " --help'.");
  }
  if (!ctx.has_action()) {
    std::fputs(Reached(&root)->help().c_str(), stderr);
    return kExitCrateError;
  }
  return ctx.RunAction();
}

}  // namespace
}  // namespace crate::cli

int main(int argc, char** argv) {
  // Before any thread exists: every later thread inherits the mask.
  crate::cli::InstallSignalProxy();
  return crate::cli::Main(argc, argv);
}
