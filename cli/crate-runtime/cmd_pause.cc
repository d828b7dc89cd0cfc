#include "cli/crate-runtime/commands.h"

namespace crate::cli {

int CmdPause(const GlobalOptions& g, const Args& args) {
  Flags flags;
  Args pos;
  absl::Status s = ParseCommand("pause", flags, args, 1, "container ID", &pos);
  if (s.ok()) s = linux::Pause(g.root, pos[0]);
  if (!s.ok()) return Fail(s);
  return 0;
}

int CmdResume(const GlobalOptions& g, const Args& args) {
  Flags flags;
  Args pos;
  absl::Status s = ParseCommand("resume", flags, args, 1, "container ID", &pos);
  if (s.ok()) s = linux::Resume(g.root, pos[0]);
  if (!s.ok()) return Fail(s);
  return 0;
}

}  // namespace crate::cli
