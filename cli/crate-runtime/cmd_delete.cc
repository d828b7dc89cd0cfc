#include "cli/crate-runtime/commands.h"

namespace crate::cli {

int CmdDelete(const GlobalOptions& g, const Args& args) {
  bool force = false;
  Flags flags;
  flags.Bool("force,f", &force, "kill the container first if it runs");
  Args pos;
  absl::Status s = ParseCommand("delete", flags, args, 1, "container ID", &pos);
  if (s.ok()) s = linux::Delete(g.root, pos[0], force);
  if (!s.ok()) return Fail(s);
  return 0;
}

}  // namespace crate::cli
