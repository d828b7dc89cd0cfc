#include <string>

#include "absl/strings/str_cat.h"
#include "cli/crate-runtime/commands.h"
#include "cli/crate-runtime/criu_flags.h"
#include "cli/crate-runtime/log.h"
#include "runtime/linux/checkpoint.h"

namespace crate::cli {

// runc's flags; those crate-runtime cannot honour are refused by name.
int CmdCheckpoint(const GlobalOptions& g, const Args& args) {
  linux::CheckpointOptions o;
  criu::DumpOptions& d = o.dump;
  int status_fd = -1;
  std::string page_server;
  CriuCommonFlags common;
  Flags flags;
  AddCriuCommonFlags(flags, &d, &common);
  flags.String("image-path", &d.image_path,
               "path for saving criu image files (default: ./checkpoint)");
  flags.String("parent-path", &d.parent_path,
               "path for previous criu image files in pre-dump (relative)");
  flags.Bool("leave-running", &d.leave_running,
             "leave the process running after checkpointing");
  flags.Bool("tcp-skip-in-flight", &d.tcp_skip_in_flight,
             "skip in-flight tcp connections");
  flags.Bool("link-remap", &d.link_remap,
             "allow one to link unlinked files back when possible");
  flags.Bool("pre-dump", &d.pre_dump,
             "dump memory only, leave the container running");
  flags.Int("status-fd", &status_fd, "(not supported)");
  flags.String("page-server", &page_server, "(not supported)");
  Args pos;
  absl::Status s =
      ParseCommand("checkpoint", flags, args, 1, "container ID", &pos);
  if (!s.ok()) return Fail(s);
  s = CheckCriuCommonFlags(common);
  if (!s.ok()) return Fail(s);
  if (common.lazy_pages || status_fd >= 0 || !page_server.empty()) {
    return Fail(absl::UnimplementedError(
        "--lazy-pages, --status-fd and --page-server are not supported"));
  }
  if (d.image_path.empty()) d.image_path = "checkpoint";
  o.root = g.root;
  o.id = pos[0];
  if (!g.criu.empty()) o.criu = g.criu;
  s = linux::Checkpoint(o);
  if (!s.ok()) return Fail(s);
  LogDebug(absl::StrCat("container ", o.id, " checkpointed to ", d.image_path));
  return 0;
}

}  // namespace crate::cli
