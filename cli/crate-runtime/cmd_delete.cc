#include "cli/crate-runtime/commands.h"
#include "cli/crate-runtime/log.h"

namespace crate::cli {

int CmdDelete(const GlobalOptions& g, const Args& args) {
  bool force = false;
  Flags flags;
  flags.Bool("force,f", &force, "kill the container first if it runs");
  Args pos;
  absl::Status s = ParseCommand("delete", flags, args, 1, "container ID", &pos);
  std::string warning;
  if (s.ok()) s = linux::Delete(g.root, pos[0], force, &warning);
  if (!s.ok()) return Fail(s);
  if (!warning.empty()) LogWarning(warning);
  return 0;
}

}  // namespace crate::cli
