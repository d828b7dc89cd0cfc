#include "runtime/criu/run.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "runtime/base/errno_status.h"
#include "runtime/base/file_util.h"
#include "runtime/base/unique_fd.h"

namespace crate::criu {
namespace {

// In the child, between fork and exec: async-signal-safe calls only.
// `moved` is allocated by the parent: no allocation after fork.
[[noreturn]] void ExecChild(int release_fd, char* const* argv,
                            const std::vector<std::pair<int, int>>& fds,
                            std::vector<int>& moved) {
  char go;
  if (read(release_fd, &go, 1) != 1) _exit(126);
  // Two passes: first out of the way of every target, then into place
  // (dup2 leaves the new fd without FD_CLOEXEC).
  for (size_t i = 0; i < fds.size(); ++i) {
    moved[i] = fcntl(fds[i].second, F_DUPFD_CLOEXEC, 1000);
    if (moved[i] < 0) _exit(126);
  }
  for (size_t i = 0; i < fds.size(); ++i) {
    if (dup2(moved[i], fds[i].first) < 0) _exit(126);
  }
  execvp(argv[0], argv);
  _exit(127);
}

}  // namespace

absl::Status RunCriu(const Invocation& inv, const RunOptions& options) {
  if (inv.argv.empty()) return absl::InvalidArgumentError("empty criu command");
  std::vector<char*> argv;
  for (const std::string& a : inv.argv)
    argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<std::pair<int, int>> fds(options.fds.begin(), options.fds.end());
  std::vector<int> moved(fds.size());
  const std::string command = absl::StrJoin(inv.argv, " ");

  int release[2];
  if (pipe2(release, O_CLOEXEC) != 0) return ErrnoStatus("pipe");
  UniqueFd release_r(release[0]), release_w(release[1]);
  pid_t pid = fork();
  if (pid < 0) return ErrnoStatus("fork for", inv.argv[0]);
  if (pid == 0) {
    release_w.Reset();
    ExecChild(release_r.get(), argv.data(), fds, moved);
  }
  release_r.Reset();
  absl::Status prepared =
      options.before_exec ? options.before_exec(pid) : absl::OkStatus();
  if (prepared.ok()) {
    if (write(release_w.get(), "g", 1) != 1)
      prepared = ErrnoStatus("release criu");
  }
  release_w.Reset();
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return ErrnoStatus(absl::StrCat("wait for criu ", pid));
  }
  if (!prepared.ok()) return prepared;
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return absl::OkStatus();
  if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
    return absl::FailedPreconditionError(absl::StrCat(
        "cannot run ", inv.argv[0],
        ": not found or not executable (install criu, or give --criu PATH)"));
  }
  std::string how = WIFEXITED(status)
                        ? absl::StrCat("exited with ", WEXITSTATUS(status))
                        : absl::StrCat("killed by signal ", WTERMSIG(status));
  std::string tail;
  absl::StatusOr<std::string> log = ReadFile(inv.log_path);
  if (log.ok()) {
    tail = absl::StrCat("; errors in ", inv.log_path, ":\n", LogTail(*log));
  } else {
    tail = absl::StrCat("; no log at ", inv.log_path);
  }
  return absl::InternalError(absl::StrCat(command, ": ", how, tail));
}

}  // namespace crate::criu
