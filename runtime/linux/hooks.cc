#include "runtime/linux/hooks.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "runtime/base/errno_status.h"
#include "runtime/base/unique_fd.h"

namespace crate::linux {
namespace {

absl::Status RunHook(const oci::Hook& hook, const std::string& state_json,
                     const char* kind) {
  std::string what = absl::StrCat(kind, " hook ", hook.path);
  int in[2];
  if (pipe2(in, O_CLOEXEC) != 0) return ErrnoStatus("pipe for", what);
  UniqueFd read_end(in[0]), write_end(in[1]);
  std::vector<char*> argv, envp;
  std::vector<std::string> args = hook.args;
  if (args.empty()) args.push_back(hook.path);
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env = hook.env;
  for (std::string& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  pid_t pid = fork();
  if (pid < 0) return ErrnoStatus("fork for", what);
  if (pid == 0) {
    dup2(read_end.get(), STDIN_FILENO);
    execve(hook.path.c_str(), argv.data(), envp.data());
    _exit(127);
  }
  read_end.Reset();
  // A hook may exit without reading its stdin; that must not kill us. The
  // old disposition comes back, since the container process inherits it.
  struct sigaction ignore = {}, old = {};
  ignore.sa_handler = SIG_IGN;
  sigaction(SIGPIPE, &ignore, &old);
  (void)!write(write_end.get(), state_json.data(), state_json.size());
  write_end.Reset();
  sigaction(SIGPIPE, &old, nullptr);
  int timeout_ms = hook.timeout ? *hook.timeout * 1000 : -1;
  int wstatus = 0;
  for (int waited = 0;; waited += 2) {
    pid_t r = waitpid(pid, &wstatus, WNOHANG);
    if (r == pid) break;
    if (r < 0 && errno != EINTR) return ErrnoStatus("wait for", what);
    if (timeout_ms >= 0 && waited >= timeout_ms) {
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
      return absl::DeadlineExceededError(
          absl::StrCat(what, ": timed out after ", *hook.timeout, "s"));
    }
    struct timespec ts = {0, 2 * 1000 * 1000};
    nanosleep(&ts, nullptr);
  }
  if (WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0) return absl::OkStatus();
  if (WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 127) {
    return absl::FailedPreconditionError(
        absl::StrCat(what, ": cannot be executed (exit status 127)"));
  }
  return absl::FailedPreconditionError(
      absl::StrCat(what, ": ",
                   WIFEXITED(wstatus)
                       ? absl::StrCat("exit status ", WEXITSTATUS(wstatus))
                       : absl::StrCat("killed by signal ", WTERMSIG(wstatus))));
}

}  // namespace

absl::Status RunHooks(const std::vector<oci::Hook>& hooks,
                      const std::string& state_json, const char* kind) {
  for (const oci::Hook& h : hooks) {
    absl::Status s = RunHook(h, state_json, kind);
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

std::string HooksToJson(const std::vector<oci::Hook>& hooks) {
  nlohmann::json arr = nlohmann::json::array();
  for (const oci::Hook& h : hooks) {
    nlohmann::json j;
    j["path"] = h.path;
    if (!h.args.empty()) j["args"] = h.args;
    if (!h.env.empty()) j["env"] = h.env;
    if (h.timeout) j["timeout"] = *h.timeout;
    arr.push_back(j);
  }
  return arr.dump();
}

absl::StatusOr<std::vector<oci::Hook>> HooksFromJson(absl::string_view json) {
  // Reuse the spec parser's checks by wrapping the list as a config.
  std::string wrapped =
      absl::StrCat(R"({"ociVersion":"1.0.0","hooks":{"poststop":)", json, "}}");
  absl::StatusOr<oci::Spec> spec = oci::ParseSpec(wrapped);
  if (!spec.ok()) return spec.status();
  return spec->hooks.poststop;
}

}  // namespace crate::linux
