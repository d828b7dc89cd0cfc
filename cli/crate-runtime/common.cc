#include "absl/strings/str_cat.h"
#include "cli/crate-runtime/commands.h"
#include "cli/crate-runtime/log.h"

namespace crate::cli {

int Fail(const absl::Status& status) {
  LogError(status.message());
  return 1;
}

absl::Status ParseCommand(const char* command, Flags& flags, const Args& args,
                          size_t want, const char* names, Args* positional) {
  absl::Status s = flags.Parse(args, positional);
  if (!s.ok()) return s;
  if (positional->size() != want) {
    return absl::InvalidArgumentError(absl::StrCat(
        "\"", command, "\" requires exactly ", want, " argument",
        want == 1 ? "" : "s", " (", names, "), got ", positional->size()));
  }
  return absl::OkStatus();
}

void AddCreateFlags(Flags& flags, linux::CreateOptions* o,
                    std::string* unused_string, bool* unused_bool) {
  flags.String("bundle,b", &o->bundle,
               "path to the root of the bundle directory (default: current)");
  flags.String("console-socket", &o->console_socket,
               "AF_UNIX socket that receives the pty master");
  flags.String("pid-file", &o->pid_file,
               "file to write the container init's pid to");
  flags.Bool("no-pivot", &o->no_pivot,
             "use chroot instead of pivot_root (for ramdisk roots)");
  flags.Bool("no-new-keyring", &o->no_new_keyring,
             "keep the caller's kernel keyring");
  flags.Int("preserve-fds", &o->preserve_fds,
            "number of extra fds (from 3) to pass to the process");
  // Accepted for compatibility with runc's command line.
  flags.String("pidfd-socket", unused_string, "(accepted, unused)");
  flags.Bool("no-subreaper", unused_bool, "(accepted, unused)");
}

absl::Status PrepareCreate(const GlobalOptions& g, linux::CreateOptions* o) {
  if (o->preserve_fds < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("--preserve-fds: invalid value ", o->preserve_fds));
  }
  o->root = g.root;
  // Later commands find the scope in the container's state, with or
  // without the flag, as runc does.
  o->systemd_cgroup = g.systemd_cgroup;
  // runc and crun say nothing when an unprivileged user's container has no
  // cgroupsPath; one that names a cgroup it cannot get deserves a warning.
  o->on_degraded = [](const std::string& msg, bool explicit_request) {
    if (explicit_request) {
      LogWarning(msg);
    } else {
      LogDebug(msg);
    }
  };
  return absl::OkStatus();
}

}  // namespace crate::cli
