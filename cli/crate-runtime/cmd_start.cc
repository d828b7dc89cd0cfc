#include "cli/crate-runtime/commands.h"
#include "cli/crate-runtime/log.h"

namespace crate::cli {

int CmdStart(const GlobalOptions& g, const Args& args) {
  Flags flags;
  Args pos;
  absl::Status s = ParseCommand("start", flags, args, 1, "container ID", &pos);
  if (!s.ok()) return Fail(s);
  absl::StatusOr<linux::Container> c = linux::Container::Load(g.root, pos[0]);
  if (!c.ok()) return Fail(c.status());
  std::string warning;
  s = c->Start(&warning);
  if (!s.ok()) return Fail(s);
  if (!warning.empty()) LogWarning(warning);
  return 0;
}

}  // namespace crate::cli
