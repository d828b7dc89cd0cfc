#include "api/engine/shim_client.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "runtime/base/errno_status.h"
#include "runtime/base/file_util.h"
#include "runtime/shim/control_socket.h"
#include "runtime/shim/protocol.h"

extern char** environ;

namespace crate::engine {
namespace {

constexpr int kReadyFd = 3;

// The shim's report: everything written to the pipe until it closes it
// (or dies), within `timeout`.
absl::StatusOr<std::string> ReadReport(int fd, absl::Duration timeout,
                                       const std::string& what) {
  std::string out;
  absl::Time deadline = absl::Now() + timeout;
  for (;;) {
    absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) {
      return absl::DeadlineExceededError(absl::StrCat(
          what, " did not report within ", absl::FormatDuration(timeout)));
    }
    struct pollfd p = {fd, POLLIN, 0};
    int n = poll(&p, 1, static_cast<int>(absl::ToInt64Milliseconds(left)) + 1);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus(absl::StrCat("poll the report of ", what));
    }
    if (n == 0) continue;
    char buf[4096];
    ssize_t r = read(fd, buf, sizeof(buf));
    if (r < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return ErrnoStatus(absl::StrCat("read the report of ", what));
    }
    if (r == 0) return out;
    out.append(buf, static_cast<size_t>(r));
    if (out.size() > (1 << 20)) {
      return absl::DataLossError(absl::StrCat(what, ": report too long"));
    }
  }
}

}  // namespace

absl::StatusOr<ShimReady> SpawnShim(const ShimSpawnOptions& o) {
  std::string what = absl::StrCat("crate-shim of container ", o.id);
  int pipe_fds[2];
  // CLOEXEC, so that shims other threads spawn meanwhile do not hold it;
  // only this child gets it, as fd 3, through dup2.
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) return ErrnoStatus("pipe for", what);
  UniqueFd report(pipe_fds[0]), report_write(pipe_fds[1]);

  std::vector<std::string> args = {
      o.shim_binary,  "--id",       o.id,
      "--bundle",     o.bundle,     "--runtime-root",
      o.runtime_root, "--shim-dir", o.shim_dir,
      "--log",        o.log_path,   "--exit-file",
      o.exit_file,    "--ready-fd", absl::StrCat(kReadyFd)};
  if (o.log_max_bytes > 0) {
    args.insert(args.end(), {"--log-max", absl::StrCat(o.log_max_bytes)});
  }
  if (o.tty) args.push_back("--tty");
  if (o.stdin_open) args.push_back("--stdin");
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, report_write.get(), kReadyFd);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null",
                                   O_RDONLY, 0);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // A fresh mask and default dispositions: crated's (signals for sigwait)
  // are not the shim's.
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setflags(&attr,
                           POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  pid_t pid = 0;
  int rc = posix_spawn(&pid, o.shim_binary.c_str(), &actions, &attr,
                       argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    errno = rc;
    return ErrnoStatus("spawn", o.shim_binary);
  }
  report_write.Reset();
  absl::StatusOr<std::string> text = ReadReport(report.get(), o.timeout, what);
  // The shim detaches (double fork): this child exits at once.
  int wstatus = 0;
  while (waitpid(pid, &wstatus, 0) < 0 && errno == EINTR) {
  }
  if (!text.ok()) return text.status();
  if (text->empty()) {
    return absl::InternalError(absl::StrCat(
        what, " exited without a report (",
        WIFEXITED(wstatus) ? absl::StrCat("status ", WEXITSTATUS(wstatus))
                           : "killed",
        ")"));
  }
  nlohmann::json msg = nlohmann::json::parse(*text, nullptr, false);
  if (msg.is_discarded() || !msg.is_object()) {
    return absl::DataLossError(
        absl::StrCat(what, " reported something that is not JSON: ", *text));
  }
  absl::Status s = shim::StatusFromResponse(msg);
  if (!s.ok()) return s;
  ShimReady ready;
  ready.init_pid = msg.value("pid", 0);
  ready.shim_pid = msg.value("shim_pid", 0);
  if (ready.init_pid <= 0) {
    return absl::DataLossError(
        absl::StrCat(what, " reported no container pid: ", *text));
  }
  return ready;
}

absl::StatusOr<ShimConnection> ShimConnection::Connect(
    const std::string& shim_dir) {
  absl::StatusOr<UniqueFd> fd =
      shim::ConnectControlSocket(JoinPath(shim_dir, "shim.sock"));
  if (!fd.ok()) return fd.status();
  return ShimConnection(*std::move(fd));
}

absl::StatusOr<nlohmann::json> ShimConnection::Call(
    const nlohmann::json& request, absl::Duration timeout) {
  absl::Status sent = shim::SendMessage(fd_.get(), request);
  if (!sent.ok()) return sent;
  absl::StatusOr<nlohmann::json> response =
      shim::ReceiveMessage(fd_.get(), timeout);
  if (!response.ok()) return response.status();
  absl::Status s = shim::StatusFromResponse(*response);
  if (!s.ok()) return s;
  return response;
}

}  // namespace crate::engine
