// One function per command; each parses its own flags and returns the exit
// status. The work is done by runtime/linux/container.h: a command loads
// (or creates) the linux::Container it names and calls one method.
#ifndef CRATE_CLI_CRATE_RUNTIME_COMMANDS_H_
#define CRATE_CLI_CRATE_RUNTIME_COMMANDS_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "cli/crate-runtime/flags.h"
#include "runtime/linux/container.h"

namespace crate::cli {

struct GlobalOptions {
  std::string root;
  bool debug = false;
  bool systemd_cgroup = false;
  std::string criu;  // --criu: the criu binary (default: criu on PATH).
};

using Args = std::vector<std::string>;

int CmdCreate(const GlobalOptions& g, const Args& args);
int CmdStart(const GlobalOptions& g, const Args& args);
int CmdRun(const GlobalOptions& g, const Args& args);
int CmdState(const GlobalOptions& g, const Args& args);
int CmdKill(const GlobalOptions& g, const Args& args);
int CmdDelete(const GlobalOptions& g, const Args& args);
int CmdList(const GlobalOptions& g, const Args& args);
int CmdSpec(const GlobalOptions& g, const Args& args);
int CmdFeatures(const GlobalOptions& g, const Args& args);
int CmdPause(const GlobalOptions& g, const Args& args);
int CmdResume(const GlobalOptions& g, const Args& args);
int CmdPs(const GlobalOptions& g, const Args& args);
int CmdExec(const GlobalOptions& g, const Args& args);
int CmdUpdate(const GlobalOptions& g, const Args& args);
int CmdEvents(const GlobalOptions& g, const Args& args);
int CmdCheckpoint(const GlobalOptions& g, const Args& args);
int CmdRestore(const GlobalOptions& g, const Args& args);
// exec, update, ...: not there yet; says so.
int CmdNotYet(const std::string& name);

// Reports the error and returns 1.
int Fail(const absl::Status& status);

// Parses `args` into flags and exactly `want` positional arguments
// ("ID" names them in the message).
absl::Status ParseCommand(const char* command, Flags& flags, const Args& args,
                          size_t want, const char* names, Args* positional);

// The flags create and run share.
void AddCreateFlags(Flags& flags, linux::CreateOptions* options,
                    std::string* unused_string, bool* unused_bool);

// Checks create's flags and wires what the runtime needs (--root,
// --systemd-cgroup, warnings) into options.
absl::Status PrepareCreate(const GlobalOptions& g,
                           linux::CreateOptions* options);

}  // namespace crate::cli

#endif  // CRATE_CLI_CRATE_RUNTIME_COMMANDS_H_
