// The commands, one file per noun or verb group, each adding itself to the
// top level and to its noun (`crate images` and `crate image ls`).
#ifndef CRATE_CLI_CRATE_COMMANDS_H_
#define CRATE_CLI_CRATE_COMMANDS_H_

#include <CLI/CLI.hpp>

#include "cli/crate/context.h"

namespace crate::cli {

struct CommandGroups {
  CLI::App* root;
  CLI::App* image;      // crate image ...
  CLI::App* container;  // crate container ...
  CLI::App* system;     // crate system ...
};

// Help groups, as docker's help sorts them.
inline constexpr char kCommonGroup[] = "Common Commands";
inline constexpr char kManagementGroup[] = "Management Commands";
inline constexpr char kCommandsGroup[] = "Commands";

void AddImageCommands(const CommandGroups& groups,
                      Context& ctx);  // cmd_images.cc
void AddArchiveCommands(const CommandGroups& groups,
                        Context& ctx);  // cmd_archive.cc
void AddRunCommands(const CommandGroups& groups, Context& ctx);  // cmd_run.cc
void AddAttachCommand(const CommandGroups& groups,
                      Context& ctx);  // cmd_attach.cc
void AddExecCommand(const CommandGroups& groups,
                    Context& ctx);                             // cmd_exec.cc
void AddPsCommand(const CommandGroups& groups, Context& ctx);  // cmd_ps.cc
void AddLifecycleCommands(const CommandGroups& groups,
                          Context& ctx);  // cmd_lifecycle.cc
void AddLogsCommand(const CommandGroups& groups, Context& ctx);  // cmd_logs.cc
void AddInspectCommands(const CommandGroups& groups,
                        Context& ctx);  // cmd_inspect.cc
void AddSystemCommands(const CommandGroups& groups,
                       Context& ctx);  // cmd_system.cc
void AddCompletionCommand(const CommandGroups& groups,
                          Context& ctx);  // cmd_completion.cc
void AddVolumeCommands(const CommandGroups& groups,
                       Context& ctx);  // cmd_volume.cc
void AddRegistryCommands(const CommandGroups& groups,
                         Context& ctx);  // cmd_registry.cc
void AddPruneCommands(const CommandGroups& groups,
                      Context& ctx);  // cmd_prune.cc
void AddDiskUsageCommand(const CommandGroups& groups,
                         Context& ctx);  // cmd_df.cc
void AddEventsCommand(const CommandGroups& groups,
                      Context& ctx);  // cmd_events.cc
void AddStatsCommand(const CommandGroups& groups,
                     Context& ctx);  // cmd_stats.cc
void AddUpdateCommand(const CommandGroups& groups,
                      Context& ctx);                            // cmd_update.cc
void AddTopCommand(const CommandGroups& groups, Context& ctx);  // cmd_top.cc

}  // namespace crate::cli

#endif  // CRATE_CLI_CRATE_COMMANDS_H_
