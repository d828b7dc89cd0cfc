#include <string>

#include "absl/strings/str_cat.h"
#include "absl/types/optional.h"
#include "cli/crate-runtime/commands.h"
#include "cli/crate-runtime/criu_flags.h"
#include "cli/crate-runtime/foreground.h"
#include "cli/crate-runtime/log.h"
#include "runtime/linux/checkpoint.h"

namespace crate::cli {

int CmdRestore(const GlobalOptions& g, const Args& args) {
  linux::RestoreOptions o;
  criu::RestoreOptions& r = o.restore;
  bool detach = false, keep = false, unused_bool = false;
  std::string lsm_profile, lsm_mount_context;
  CriuCommonFlags common;
  Flags flags;
  AddCriuCommonFlags(flags, &r, &common);
  flags.String("image-path", &r.image_path,
               "path to criu image files for restoring (default: "
               "./checkpoint)");
  flags.String("bundle,b", &o.bundle,
               "path to the root of the bundle directory (default: current)");
  flags.Bool("detach,d", &detach, "detach from the container's process");
  flags.Bool("keep", &keep, "keep the container's state after it exits");
  flags.String("pid-file", &o.pid_file,
               "file to write the container init's pid to");
  flags.String("console-socket", &o.console_socket,
               "AF_UNIX socket that receives the pty master");
  flags.Bool("tcp-close", &r.tcp_close,
             "do not restore open tcp connections, close them");
  flags.Bool("no-subreaper", &unused_bool, "(accepted, unused)");
  flags.Bool("no-pivot", &unused_bool, "(accepted: criu makes the root)");
  flags.String("lsm-profile", &lsm_profile, "(not supported)");
  flags.String("lsm-mount-context", &lsm_mount_context, "(not supported)");
  Args pos;
  absl::Status s =
      ParseCommand("restore", flags, args, 1, "container ID", &pos);
  if (!s.ok()) return Fail(s);
  s = CheckCriuCommonFlags(common);
  if (!s.ok()) return Fail(s);
  if (common.lazy_pages || !lsm_profile.empty() || !lsm_mount_context.empty()) {
    return Fail(absl::UnimplementedError(
        "--lazy-pages, --lsm-profile and --lsm-mount-context are not "
        "supported"));
  }
  if (g.systemd_cgroup) {
    return Fail(absl::UnimplementedError(
        "restore with --systemd-cgroup is not supported yet: the restored "
        "container's cgroup is made on cgroupfs"));
  }
  if (r.image_path.empty()) r.image_path = "checkpoint";
  o.root = g.root;
  o.id = pos[0];
  if (!g.criu.empty()) o.criu = g.criu;
  o.on_warning = [](const std::string& msg) { LogWarning(msg); };

  // As run: in the foreground the restored init is our child (criu
  // restores it as its sibling), so its terminal and exit are relayed.
  absl::optional<Foreground> fg;
  if (!detach) {
    fg.emplace(/*console=*/o.console_socket.empty());
    o.console_fd = fg->console_fd();
  }
  absl::StatusOr<pid_t> pid = linux::Restore(o);
  if (fg) fg->Created();
  if (!pid.ok()) return Fail(pid.status());
  LogDebug(absl::StrCat("container ", o.id, " restored, init pid ", *pid));
  if (detach) return 0;
  int code = fg->Wait(*pid);
  if (!keep) {
    std::string warning;
    s = linux::Delete(g.root, o.id, /*force=*/true, &warning);
    if (!s.ok()) LogError(s.message());
    if (!warning.empty()) LogWarning(warning);
  }
  return code;
}

}  // namespace crate::cli
