#include "cli/crate-runtime/commands.h"

namespace crate::cli {

int CmdStart(const GlobalOptions& g, const Args& args) {
  Flags flags;
  Args pos;
  absl::Status s = ParseCommand("start", flags, args, 1, "container ID", &pos);
  if (s.ok()) s = linux::Start(g.root, pos[0]);
  if (!s.ok()) return Fail(s);
  return 0;
}

}  // namespace crate::cli
