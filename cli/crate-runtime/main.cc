// crate-runtime: an OCI runtime with runc's command line.
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "cli/crate-runtime/commands.h"
#include "cli/crate-runtime/flags.h"
#include "cli/crate-runtime/log.h"
#include "runtime/base/version.h"
#include "runtime/oci/spec.h"

namespace crate::cli {
namespace {

struct Command {
  const char* name;
  int (*run)(const GlobalOptions&, const Args&);
  const char* help;
};

constexpr Command kCommands[] = {
    {"create", CmdCreate, "create a container"},
    {"start", CmdStart, "run the process of a created container"},
    {"run", CmdRun, "create and start a container"},
    {"state", CmdState, "print the state of a container"},
    {"kill", CmdKill, "send a signal to a container's init"},
    {"delete", CmdDelete, "delete a container"},
    {"list", CmdList, "list containers"},
    {"spec", CmdSpec, "write a default config.json"},
    {"features", CmdFeatures, "print what this runtime supports"},
    {"pause", CmdPause, "freeze every process of a container"},
    {"resume", CmdResume, "thaw a paused container"},
    {"ps", CmdPs, "list the processes of a container"},
    {"exec", CmdExec, "run a further process in a container"},
    {"update", CmdUpdate, "change the resource limits of a container"},
    {"events", CmdEvents, "print a container's statistics"},
    {"checkpoint", CmdCheckpoint, "checkpoint a running container (criu)"},
    {"restore", CmdRestore, "restore a container from a checkpoint (criu)"},
};

std::string DefaultRoot() {
  if (geteuid() == 0) return "/run/crate-runtime";
  const char* xdg = getenv("XDG_RUNTIME_DIR");
  if (xdg != nullptr && *xdg != '\0') {
    return absl::StrCat(xdg, "/crate-runtime");
  }
  return absl::StrCat("/tmp/crate-runtime-", geteuid());
}

void PrintUsage(const Flags& globals) {
  std::string out =
      "Usage: crate-runtime [global options] command [options] ID\n\n"
      "Commands:\n";
  for (const Command& c : kCommands) {
    std::string name = c.name;
    name.resize(12, ' ');
    absl::StrAppend(&out, "   ", name, c.help, "\n");
  }
  absl::StrAppend(&out, "\nGlobal options:\n", globals.Help());
  fwrite(out.data(), 1, out.size(), stdout);
}

int Main(int argc, char** argv) {
  GlobalOptions g;
  g.root = DefaultRoot();
  std::string log_path, log_format = "text", rootless;
  bool version = false, help = false;
  Flags globals;
  globals.String("root", &g.root, "directory for container state");
  globals.String("log", &log_path, "log file (default: stderr only)");
  globals.String("log-format", &log_format, "text or json");
  globals.Bool("debug", &g.debug, "log debug messages");
  globals.Bool("systemd-cgroup", &g.systemd_cgroup,
               "(not supported: cgroupfs only)");
  globals.String("rootless", &rootless, "(accepted: detected)");
  globals.String("criu", &g.criu, "path to the criu binary");
  globals.Bool("version,v", &version, "print the version");
  globals.Bool("help,h", &help, "show help");

  Args all(argv + 1, argv + argc);
  Args rest;
  absl::Status s = globals.Parse(all, &rest, /*stop_at_positional=*/true);
  if (!s.ok()) return Fail(s);
  s = InitLog(log_path, log_format, g.debug);
  if (!s.ok()) return Fail(s);
  if (version) {
    std::string out = absl::StrCat("crate-runtime version ", kCrateVersion,
                                   "\nspec: ", oci::kOciVersion, "\n");
    fwrite(out.data(), 1, out.size(), stdout);
    return 0;
  }
  if (help || rest.empty()) {
    PrintUsage(globals);
    return rest.empty() && !help ? 1 : 0;
  }
  if (!g.root.empty() && g.root[0] != '/') {
    char cwd[4096];
    if (getcwd(cwd, sizeof(cwd)) != nullptr) {
      g.root = absl::StrCat(cwd, "/", g.root);
    }
  }
  const std::string& name = rest[0];
  Args args(rest.begin() + 1, rest.end());
  for (const Command& c : kCommands) {
    if (name == c.name) return c.run(g, args);
  }
  if (name == "help") {
    PrintUsage(globals);
    return 0;
  }
  return Fail(absl::InvalidArgumentError(
      absl::StrCat("no such command \"", name, "\"")));
}

}  // namespace
}  // namespace crate::cli

int main(int argc, char** argv) { return crate::cli::Main(argc, argv); }
