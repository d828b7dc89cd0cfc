// Runs a check in a forked child, for tests of what a process does to
// itself (seccomp, capabilities, rlimits) and cannot undo. The child returns
// "" for success or a message, which the parent gets back.
#ifndef CRATE_RUNTIME_SECURITY_CHILD_RUNNER_H_
#define CRATE_RUNTIME_SECURITY_CHILD_RUNNER_H_

#include <errno.h>
#include <sys/wait.h>
#include <unistd.h>

#include <functional>
#include <string>

namespace crate {
namespace security {

struct ChildResult {
  std::string message;  // What the check returned; "" is success.
  int wait_status = 0;  // Raw waitpid status.
};

inline ChildResult RunInChild(const std::function<std::string()>& check) {
  int fds[2];
  if (pipe(fds) != 0) return {"pipe failed", -1};
  pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    std::string msg = check();
    ssize_t unused = write(fds[1], msg.data(), msg.size());
    (void)unused;
    _exit(msg.empty() ? 0 : 1);
  }
  close(fds[1]);
  ChildResult result;
  char buf[4096];
  ssize_t n;
  while ((n = read(fds[0], buf, sizeof(buf))) > 0)
    result.message.append(buf, n);
  close(fds[0]);
  while (waitpid(pid, &result.wait_status, 0) < 0 && errno == EINTR) {
  }
  if (result.message.empty() && !(WIFEXITED(result.wait_status) &&
                                  WEXITSTATUS(result.wait_status) == 0)) {
    result.message =
        "child died, wait status " + std::to_string(result.wait_status);
  }
  return result;
}

}  // namespace security
}  // namespace crate

#endif  // CRATE_RUNTIME_SECURITY_CHILD_RUNNER_H_
