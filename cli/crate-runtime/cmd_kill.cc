#include "cli/crate-runtime/commands.h"

namespace crate::cli {

int CmdKill(const GlobalOptions& g, const Args& args) {
  bool all = false;
  Flags flags;
  flags.Bool("all,a", &all, "signal every process of the container");
  Args pos;
  absl::Status s = flags.Parse(args, &pos);
  if (s.ok() && (pos.empty() || pos.size() > 2)) {
    s = absl::InvalidArgumentError(
        "\"kill\" requires a container ID and an optional signal");
  }
  if (!s.ok()) return Fail(s);
  absl::StatusOr<int> signal =
      linux::ParseSignal(pos.size() == 2 ? pos[1] : "SIGTERM");
  if (!signal.ok()) return Fail(signal.status());
  absl::StatusOr<linux::Container> c = linux::Container::Load(g.root, pos[0]);
  if (!c.ok()) return Fail(c.status());
  s = c->Kill(*signal, all);
  if (!s.ok()) return Fail(s);
  return 0;
}

}  // namespace crate::cli
