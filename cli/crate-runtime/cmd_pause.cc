#include "cli/crate-runtime/commands.h"

namespace crate::cli {

int CmdPause(const GlobalOptions& g, const Args& args) {
  Flags flags;
  Args pos;
  absl::Status s = ParseCommand("pause", flags, args, 1, "container ID", &pos);
  if (!s.ok()) return Fail(s);
  absl::StatusOr<linux::Container> c = linux::Container::Load(g.root, pos[0]);
  if (!c.ok()) return Fail(c.status());
  s = c->Pause();
  if (!s.ok()) return Fail(s);
  return 0;
}

int CmdResume(const GlobalOptions& g, const Args& args) {
  Flags flags;
  Args pos;
  absl::Status s = ParseCommand("resume", flags, args, 1, "container ID", &pos);
  if (!s.ok()) return Fail(s);
  absl::StatusOr<linux::Container> c = linux::Container::Load(g.root, pos[0]);
  if (!c.ok()) return Fail(c.status());
  s = c->Resume();
  if (!s.ok()) return Fail(s);
  return 0;
}

}  // namespace crate::cli
