#include <unistd.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/types/optional.h"
#include "cli/crate-runtime/commands.h"
#include "cli/crate-runtime/foreground.h"
#include "cli/crate-runtime/log.h"
#include "runtime/base/file_util.h"

namespace crate::cli {
namespace {

// "uid" or "uid:gid", numeric as in runc.
absl::Status ParseUser(const std::string& user, linux::ExecOptions* o) {
  std::vector<std::string> parts = absl::StrSplit(user, ':');
  uint32_t uid, gid;
  if (parts.size() > 2 || !absl::SimpleAtoi(parts[0], &uid) ||
      (parts.size() == 2 && !absl::SimpleAtoi(parts[1], &gid))) {
    return absl::InvalidArgumentError(
        absl::StrCat("--user: want UID[:GID], got \"", user, "\""));
  }
  o->uid = uid;
  if (parts.size() == 2) o->gid = gid;
  return absl::OkStatus();
}

}  // namespace

int CmdExec(const GlobalOptions& g, const Args& args) {
  linux::ExecOptions o;
  std::string process_path, user;
  std::vector<std::string> gids;
  bool tty = false, detach = false, ignore_paused = false;
  Flags flags;
  flags.String("process,p", &process_path, "process.json to run");
  flags.Bool("tty,t", &tty, "allocate a pseudo-TTY");
  flags.String("cwd", &o.cwd, "working directory in the container");
  flags.StringList("env,e", &o.env, "NAME=VALUE to set (repeatable)");
  flags.String("user,u", &user, "UID[:GID]");
  flags.StringList("additional-gids,g", &gids, "extra group (repeatable)");
  flags.StringList("cap,c", &o.add_caps, "capability to add (repeatable)");
  flags.Bool("no-new-privs", &o.no_new_privs, "set no_new_privs");
  flags.Bool("detach,d", &detach, "do not wait for the process");
  flags.String("pid-file", &o.pid_file, "file to write the pid to");
  flags.String("console-socket", &o.console_socket,
               "AF_UNIX socket that receives the pty master");
  flags.Int("preserve-fds", &o.preserve_fds, "extra fds to pass");
  flags.String("process-label", &o.process_label,
               "SELinux label of the process");
  flags.String("apparmor", &o.apparmor_profile,
               "AppArmor profile of the process");
  flags.Bool("ignore-paused", &ignore_paused, "(accepted)");
  Args pos;
  // Options end at the container ID: what follows is the command's own.
  absl::Status s = flags.Parse(args, &pos, /*stop_at_positional=*/true);
  if (s.ok() && pos.empty()) {
    s = absl::InvalidArgumentError("\"exec\" requires a container ID");
  }
  if (s.ok() && process_path.empty() && pos.size() < 2) {
    s = absl::InvalidArgumentError("\"exec\" requires a command, or --process");
  }
  if (s.ok() && !user.empty()) s = ParseUser(user, &o);
  for (const std::string& gid : gids) {
    uint32_t v;
    if (!absl::SimpleAtoi(gid, &v)) {
      s = absl::InvalidArgumentError(
          absl::StrCat("--additional-gids: not a number: \"", gid, "\""));
      break;
    }
    o.additional_gids.push_back(v);
  }
  if (s.ok() && !process_path.empty()) {
    absl::StatusOr<std::string> text = ReadFile(process_path);
    if (text.ok()) {
      o.process_json = *text;
    } else {
      s = text.status();
    }
  }
  if (!s.ok()) return Fail(s);
  absl::StatusOr<linux::Container> c = linux::Container::Load(g.root, pos[0]);
  if (!c.ok()) return Fail(c.status());
  o.on_warning = [](const std::string& msg) { LogWarning(msg); };
  o.args.assign(pos.begin() + 1, pos.end());
  if (tty) o.tty = true;

  absl::optional<Foreground> fg;
  if (!detach) {
    fg.emplace(/*console=*/o.console_socket.empty());
    o.console_fd = fg->console_fd();
  }
  absl::StatusOr<pid_t> pid = c->Exec(o);
  if (fg) fg->Created();
  if (!pid.ok()) return Fail(pid.status());
  LogDebug(absl::StrCat("exec in ", c->id(), ": pid ", *pid));
  if (detach) return 0;
  return fg->Wait(*pid);
}

}  // namespace crate::cli
