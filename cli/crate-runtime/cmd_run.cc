#include "absl/strings/str_cat.h"
#include "absl/types/optional.h"
#include "cli/crate-runtime/commands.h"
#include "cli/crate-runtime/foreground.h"
#include "cli/crate-runtime/log.h"

namespace crate::cli {

int CmdRun(const GlobalOptions& g, const Args& args) {
  linux::CreateOptions o;
  std::string unused_string;
  bool unused_bool = false;
  bool detach = false;
  bool keep = false;
  Flags flags;
  AddCreateFlags(flags, &o, &unused_string, &unused_bool);
  flags.Bool("detach,d", &detach, "do not wait for the container to exit");
  flags.Bool("keep", &keep, "keep the container's state after it exits");
  Args pos;
  absl::Status s = ParseCommand("run", flags, args, 1, "container ID", &pos);
  if (s.ok()) s = PrepareCreate(g, &o);
  if (!s.ok()) return Fail(s);
  o.id = pos[0];

  absl::optional<Foreground> fg;
  if (!detach) {
    fg.emplace(/*console=*/o.console_socket.empty());
    o.console_fd = fg->console_fd();
  }
  absl::StatusOr<linux::Container> c = linux::Container::Create(o);
  if (fg) fg->Created();
  if (!c.ok()) return Fail(c.status());
  const pid_t pid = c->init_pid();
  std::string warning;
  s = c->Start(&warning);
  if (!warning.empty()) LogWarning(warning);
  if (!s.ok()) {
    int code = Fail(s);
    (void)c->Delete(/*force=*/true);
    return code;
  }
  LogDebug(absl::StrCat("container ", o.id, " started, init pid ", pid));
  if (detach) return 0;
  int code = fg->Wait(pid);
  LogDebug(absl::StrCat("container ", o.id, " exited with ", code));
  if (!keep) {
    warning.clear();
    s = c->Delete(/*force=*/true, &warning);
    if (!s.ok()) LogError(s.message());
    if (!warning.empty()) LogWarning(warning);
  }
  return code;
}

}  // namespace crate::cli
