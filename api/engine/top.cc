#include "api/engine/top.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "runtime/base/errno_status.h"
#include "runtime/base/unique_fd.h"

extern char** environ;

namespace crate::engine {
namespace {

constexpr size_t kMaxOutput = 16 << 20;

std::vector<absl::string_view> Fields(absl::string_view line) {
  return absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipEmpty());
}

}  // namespace

std::vector<std::string> TopArgs(const std::vector<std::string>& ps_args) {
  if (ps_args.empty()) return {"-ef"};
  return ps_args;
}

absl::StatusOr<TopResult> ParsePsOutput(absl::string_view output,
                                        const std::vector<pid_t>& pids) {
  std::vector<absl::string_view> lines = absl::StrSplit(output, '\n');
  TopResult r;
  if (lines.empty()) {
    return absl::InvalidArgumentError("ps printed nothing");
  }
  for (absl::string_view t : Fields(lines[0])) r.titles.emplace_back(t);
  auto pid_at = std::find(r.titles.begin(), r.titles.end(), "PID");
  if (pid_at == r.titles.end()) {
    return absl::InvalidArgumentError(
        absl::StrCat("no PID column in the output of ps (titles: ",
                     absl::StrJoin(r.titles, " "), ")"));
  }
  const size_t pid_index = pid_at - r.titles.begin();
  for (size_t i = 1; i < lines.size(); ++i) {
    std::vector<absl::string_view> fields = Fields(lines[i]);
    if (fields.empty()) continue;
    if (fields.size() <= pid_index) continue;  // a short line: no PID
    int pid = 0;
    if (!absl::SimpleAtoi(fields[pid_index], &pid)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "unexpected pid \"", fields[pid_index], "\" in ps output"));
    }
    if (std::find(pids.begin(), pids.end(), pid) == pids.end()) continue;
    std::vector<std::string> row;
    const size_t last = r.titles.size() - 1;
    for (size_t f = 0; f < fields.size() && f < last; ++f) {
      row.emplace_back(fields[f]);
    }
    if (fields.size() > last) {
      // The rest of the line from where its last column starts, inner
      // spacing kept.
      const char* start = fields[last].data();
      row.emplace_back(absl::StripTrailingAsciiWhitespace(
          absl::string_view(start, lines[i].data() + lines[i].size() - start)));
    }
    r.processes.push_back(std::move(row));
  }
  return r;
}

absl::StatusOr<std::string> RunPs(const std::vector<std::string>& args,
                                  absl::Duration timeout) {
  int out_pipe[2], err_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0) return ErrnoStatus("pipe2", "ps");
  UniqueFd out_r(out_pipe[0]), out_w(out_pipe[1]);
  if (pipe2(err_pipe, O_CLOEXEC) != 0) return ErrnoStatus("pipe2", "ps");
  UniqueFd err_r(err_pipe[0]), err_w(err_pipe[1]);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out_w.get(), 1);
  posix_spawn_file_actions_adddup2(&actions, err_w.get(), 2);
  std::vector<std::string> argv_s = {"ps"};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  int err = posix_spawnp(&pid, "ps", &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (err != 0) return ErrnoToStatus(err, "spawn", "ps");
  out_w.Reset();
  err_w.Reset();
  std::string out, errors;
  absl::Time deadline = absl::Now() + timeout;
  bool out_open = true, err_open = true, timed_out = false;
  while (out_open || err_open) {
    struct pollfd fds[2] = {{out_open ? out_r.get() : -1, POLLIN, 0},
                            {err_open ? err_r.get() : -1, POLLIN, 0}};
    int left =
        static_cast<int>(absl::ToInt64Milliseconds(deadline - absl::Now()));
    if (left <= 0) {
      timed_out = true;
      break;
    }
    int n = poll(fds, 2, left);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    char buf[65536];
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      ssize_t got = read(fds[i].fd, buf, sizeof(buf));
      if (got <= 0) {
        (i == 0 ? out_open : err_open) = false;
        continue;
      }
      std::string& to = i == 0 ? out : errors;
      if (to.size() < kMaxOutput) to.append(buf, static_cast<size_t>(got));
    }
  }
  if (timed_out) kill(pid, SIGKILL);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (timed_out) {
    return absl::DeadlineExceededError(
        absl::StrCat("ps ", absl::StrJoin(args, " "), ": no answer within ",
                     absl::FormatDuration(timeout)));
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("ps ", absl::StrJoin(args, " "),
                     " failed: ", absl::StripAsciiWhitespace(errors)));
  }
  return out;
}

}  // namespace crate::engine
