#include "absl/strings/str_cat.h"
#include "cli/crate-runtime/commands.h"
#include "cli/crate-runtime/log.h"

namespace crate::cli {

int CmdCreate(const GlobalOptions& g, const Args& args) {
  linux::CreateOptions o;
  std::string unused_string;
  bool unused_bool = false;
  Flags flags;
  AddCreateFlags(flags, &o, &unused_string, &unused_bool);
  Args pos;
  absl::Status s = ParseCommand("create", flags, args, 1, "container ID", &pos);
  if (s.ok()) s = PrepareCreate(g, &o);
  if (!s.ok()) return Fail(s);
  o.id = pos[0];
  absl::StatusOr<linux::Container> c = linux::Container::Create(o);
  if (!c.ok()) return Fail(c.status());
  LogDebug(
      absl::StrCat("container ", o.id, " created, init pid ", c->init_pid()));
  return 0;
}

}  // namespace crate::cli
