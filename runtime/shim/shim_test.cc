// The shim against plain processes instead of containers (no root): its
// report, requests, log, exit file, attach and exec streams, terminal,
// slow clients, and when it exits. tests/shim runs it with real containers.
#include "runtime/shim/shim.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/base/file_util.h"
#include "runtime/base/status_matchers.h"
#include "runtime/linux/console.h"
#include "runtime/shim/control_socket.h"
#include "runtime/shim/exit_file.h"
#include "runtime/shim/protocol.h"
#include "runtime/shim/shim_pid_file.h"

namespace crate::shim {
namespace {

using ::testing::HasSubstr;
using json = nlohmann::json;

constexpr absl::Duration kWait = absl::Seconds(10);

// In a child that is about to exec: what a container's process starts with.
void ResetChild() {
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  for (int sig : {SIGPIPE, SIGTERM, SIGINT, SIGHUP}) signal(sig, SIG_DFL);
}

// Sets up a child's stdio as the runtime would: pipes, or a terminal whose
// master goes to the shim. Then closes `ready`, on which the parent waits
// as the runtime waits for its init's report.
void ChildStdio(const std::array<int, 3>& stdio, int console_fd, int ready) {
  if (console_fd >= 0) {
    setsid();
    if (!linux::SetupConsole(console_fd, absl::nullopt).ok()) _exit(120);
    close(console_fd);
  } else {
    for (int i = 0; i < 3; ++i) {
      if (stdio[i] >= 0) dup2(stdio[i], i);
    }
  }
  close(ready);
}

// A pipe whose write end a child closes when its stdio is set up.
struct ReadyPipe {
  ReadyPipe() {
    int fds[2];
    EXPECT_EQ(pipe2(fds, O_CLOEXEC), 0);
    r.Reset(fds[0]);
    w.Reset(fds[1]);
  }
  void Wait() {
    w.Reset();
    char c;
    while (read(r.get(), &c, 1) > 0) {
    }
  }
  UniqueFd r, w;
};

// Plain processes in place of a container: the init waits for Start, then
// runs `sh -c script`; exec runs process.args. Delete leaves a marker.
class FakeOps : public ContainerOps {
 public:
  FakeOps(std::string script, std::string dir, bool fail_create)
      : script_(std::move(script)),
        dir_(std::move(dir)),
        fail_create_(fail_create) {}

  absl::StatusOr<pid_t> Create(const std::array<int, 3>& stdio,
                               int console_fd) override {
    if (fail_create_) {
      return absl::InvalidArgumentError("config.json: process.args: empty");
    }
    int go[2];
    if (pipe2(go, O_CLOEXEC) != 0) return absl::InternalError("pipe");
    ReadyPipe ready;
    pid_ = fork();
    if (pid_ == 0) {
      ResetChild();
      ChildStdio(stdio, console_fd, ready.w.get());
      char c;
      if (read(go[0], &c, 1) != 1) _exit(121);
      execl("/bin/sh", "sh", "-c", script_.c_str(), nullptr);
      _exit(127);
    }
    close(go[0]);
    go_.Reset(go[1]);
    ready.Wait();
    return pid_;
  }

  absl::Status Start() override {
    if (!go_) return absl::FailedPreconditionError("already started");
    (void)!write(go_.get(), "G", 1);
    go_.Reset();
    return absl::OkStatus();
  }

  absl::Status Kill(int signal, bool all) override {
    if (kill(pid_, signal) != 0) return absl::InternalError("kill");
    return absl::OkStatus();
  }

  absl::StatusOr<pid_t> Exec(const json& process,
                             const std::array<int, 3>& stdio,
                             int console_fd) override {
    std::vector<std::string> args = process["args"];
    if (args.empty()) return absl::InvalidArgumentError("no args");
    ReadyPipe ready;
    pid_t pid = fork();
    if (pid == 0) {
      ResetChild();
      ChildStdio(stdio, console_fd, ready.w.get());
      std::vector<char*> argv;
      for (std::string& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execvp(argv[0], argv.data());
      _exit(127);
    }
    ready.Wait();
    return pid;
  }

  absl::StatusOr<std::string> Status() override {
    return std::string(go_ ? "created" : "running");
  }

  bool OomKilled() override { return false; }

  absl::Status Delete() override {
    kill(pid_, SIGKILL);
    return WriteFileAtomic(JoinPath(dir_, "deleted"), "");
  }

 private:
  std::string script_, dir_;
  bool fail_create_;
  pid_t pid_ = 0;
  UniqueFd go_;
};

class ShimTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(dir_, MakeTempDir("shim_test"));
    config_.id = "c1";
    config_.shim_dir = dir_;
    config_.log_path = JoinPath(dir_, "ctr.log");
    config_.exit_file = JoinPath(dir_, "exit.json");
    config_.linger = absl::Milliseconds(300);
    config_.max_linger = absl::Seconds(5);
    config_.log_flush_delay = absl::Milliseconds(100);
  }

  void TearDown() override {
    if (init_ > 0) kill(init_, SIGKILL);
    if (shim_ > 0) {
      kill(shim_, SIGKILL);
      waitpid(shim_, nullptr, 0);
    }
    RemoveTree(dir_).IgnoreError();
  }

  // Runs a shim in a child process; its ready report.
  json StartShim(const std::string& script, bool fail_create = false) {
    int fds[2];
    EXPECT_EQ(pipe2(fds, O_CLOEXEC), 0);
    UniqueFd r(fds[0]);
    shim_ = fork();
    if (shim_ == 0) {
      close(fds[0]);
      // As after Detach: orphans of the "container" come to the shim.
      prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
      FakeOps ops(script, dir_, fail_create);
      _exit(RunShim(config_, ops, fds[1]));
    }
    close(fds[1]);
    // To its newline: the fake init holds the pipe until it execs.
    std::string line;
    char c;
    struct pollfd p = {r.get(), POLLIN, 0};
    while (!absl::EndsWith(line, "\n") && poll(&p, 1, 10000) == 1 &&
           read(r.get(), &c, 1) == 1) {
      line.push_back(c);
    }
    EXPECT_TRUE(absl::EndsWith(line, "\n")) << line;
    json report = json::parse(line, nullptr, false);
    if (report.value("ok", false)) init_ = report["pid"];
    return report;
  }

  // The shim's exit status; -1 if it is still running after `timeout`.
  int WaitShim(absl::Duration timeout = kWait) {
    absl::Time deadline = absl::Now() + timeout;
    while (absl::Now() < deadline) {
      int wstatus = 0;
      if (waitpid(shim_, &wstatus, WNOHANG) == shim_) {
        shim_ = 0;
        return WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128;
      }
      absl::SleepFor(absl::Milliseconds(5));
    }
    return -1;
  }

  UniqueFd Connect() {
    absl::StatusOr<UniqueFd> fd =
        ConnectControlSocket(JoinPath(dir_, "shim.sock"));
    EXPECT_OK(fd.status());
    return fd.ok() ? *std::move(fd) : UniqueFd();
  }

  static json Next(int fd) {
    absl::StatusOr<json> m = ReceiveMessage(fd, kWait);
    EXPECT_OK(m.status());
    return m.ok() ? *m : json();
  }

  json Call(int fd, json request) {
    if (!request.contains("container")) request["container"] = "c1";
    EXPECT_OK(SendMessage(fd, request));
    return Next(fd);
  }
  json Call(json request) {
    UniqueFd fd = Connect();
    return Call(fd.get(), std::move(request));
  }

  // Output frames on an attached connection until `want` has been seen (or
  // the exit frame came: then its code in *exit).
  static std::string ReadUntil(int fd, absl::string_view want,
                               int* exit = nullptr) {
    std::string out;
    while (want.empty() || !absl::StrContains(out, want)) {
      json f = Next(fd);
      if (f.contains("exit")) {
        if (exit != nullptr) *exit = f["exit"];
        break;
      }
      if (!f.contains("data")) {
        ADD_FAILURE() << "not a stream frame: " << f;
        break;
      }
      std::string bytes;
      EXPECT_TRUE(absl::Base64Unescape(f["data"].get<std::string>(), &bytes));
      out += bytes;
    }
    return out;
  }

  static json Stdin(absl::string_view data) {
    return {{"stdin", absl::Base64Escape(data)}};
  }

  std::string ReadLog() {
    absl::StatusOr<std::string> text = ReadFile(config_.log_path);
    return text.ok() ? *text : "";
  }

  std::string dir_;
  ShimConfig config_;
  pid_t shim_ = 0;
  pid_t init_ = 0;
};

TEST_F(ShimTest, RunsTheContainerLogsItsOutputAndLeavesItsExit) {
  json report = StartShim("echo hello; echo oops >&2; printf tail; exit 3");
  ASSERT_EQ(report["ok"], true) << report;
  EXPECT_EQ(report["shim_pid"], shim_);
  EXPECT_GT(report["pid"].get<int>(), 0);
  ASSERT_OK_AND_ASSIGN(ShimPid pid_file,
                       ReadShimPidFile(JoinPath(dir_, "shim.pid")));
  EXPECT_EQ(pid_file.pid, shim_);
  EXPECT_TRUE(ShimAlive(pid_file));
  struct stat st;
  ASSERT_EQ(stat(JoinPath(dir_, "shim.sock").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  json state = Call({{"op", "state"}});
  EXPECT_EQ(state["ok"], true) << state;
  EXPECT_EQ(state["status"], "created");
  EXPECT_EQ(state["pid"], init_);
  // A wait asked before the start is answered at the exit.
  UniqueFd waiter = Connect();
  ASSERT_OK(SendMessage(waiter.get(), {{"op", "wait"}, {"container", "c1"}}));
  EXPECT_EQ(Call({{"op", "start"}}), json({{"ok", true}}));
  json exit = Next(waiter.get());
  EXPECT_EQ(exit["ok"], true) << exit;
  EXPECT_EQ(exit["exit_code"], 3);
  EXPECT_EQ(exit["signal"], 0);

  std::string log = ReadLog();
  EXPECT_THAT(log, HasSubstr(" stdout F hello\n"));
  EXPECT_THAT(log, HasSubstr(" stderr F oops\n"));
  EXPECT_THAT(log, HasSubstr(" stdout P tail\n"));  // flushed at its end
  ASSERT_OK_AND_ASSIGN(ExitStatus file, ReadExitFile(config_.exit_file));
  EXPECT_EQ(file.exit_code, 3);
  EXPECT_TRUE(PathExists(JoinPath(dir_, "deleted")));

  state = Call({{"op", "state"}});
  EXPECT_EQ(state["status"], "stopped");
  EXPECT_EQ(state["exit_code"], 3);
  EXPECT_TRUE(state.contains("started_at"));
  EXPECT_TRUE(state.contains("finished_at"));
  EXPECT_EQ(Call({{"op", "start"}})["kind"], "state");
  EXPECT_EQ(Call({{"op", "kill"}, {"signal", 9}})["kind"], "state");

  waiter.Reset();
  EXPECT_EQ(WaitShim(), 0);
  EXPECT_FALSE(PathExists(JoinPath(dir_, "shim.sock")));
  EXPECT_FALSE(PathExists(JoinPath(dir_, "shim.pid")));
}

TEST_F(ShimTest, ACreateErrorIsReportedAndLeavesNothing) {
  json report = StartShim("true", /*fail_create=*/true);
  EXPECT_EQ(report["ok"], false);
  EXPECT_EQ(report["kind"], "invalid");
  EXPECT_THAT(report["message"].get<std::string>(), HasSubstr("process.args"));
  EXPECT_EQ(WaitShim(), 1);
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> left, ListDir(dir_));
  EXPECT_THAT(left, ::testing::IsEmpty());
}

TEST_F(ShimTest, AttachCarriesStdinAndOutputAndTheExit) {
  config_.open_stdin = true;
  ASSERT_EQ(StartShim("cat")["ok"], true);
  UniqueFd a = Connect();
  EXPECT_EQ(Call(a.get(), {{"op", "attach"},
                           {"stdin", true},
                           {"stdout", true},
                           {"stderr", true}}),
            json({{"ok", true}}));
  EXPECT_EQ(Call({{"op", "start"}})["ok"], true);
  ASSERT_OK(SendMessage(a.get(), Stdin("ping\n")));
  EXPECT_EQ(ReadUntil(a.get(), "ping\n"), "ping\n");
  // SERVICE.md's form of a stdin frame does the same.
  ASSERT_OK(SendMessage(
      a.get(), {{"stream", "stdin"}, {"data", absl::Base64Escape("x\n")}}));
  EXPECT_EQ(ReadUntil(a.get(), "x\n"), "x\n");
  // A bad frame is answered, and the connection goes on.
  ASSERT_OK(SendMessage(a.get(), {{"resize", {24, 80}}}));
  EXPECT_EQ(Next(a.get())["kind"], "state");

  EXPECT_EQ(Call({{"op", "kill"}, {"signal", SIGTERM}})["ok"], true);
  int code = -1;
  EXPECT_EQ(ReadUntil(a.get(), "", &code), "");
  EXPECT_EQ(code, 128 + SIGTERM);
  EXPECT_EQ(Call({{"op", "wait"}})["exit_code"], 128 + SIGTERM);
  EXPECT_THAT(ReadLog(), HasSubstr(" stdout F ping\n"));
  // Attached clients hold the shim until they go.
  EXPECT_EQ(WaitShim(absl::Seconds(1)), -1);
  a.Reset();
  EXPECT_EQ(WaitShim(), 0);
}

TEST_F(ShimTest, ClosingStdinEndsItsReader) {
  config_.open_stdin = true;
  ASSERT_EQ(StartShim("cat; echo done")["ok"], true);
  UniqueFd a = Connect();
  ASSERT_EQ(Call(a.get(),
                 {{"op", "attach"}, {"stdin", true}, {"stdout", true}})["ok"],
            true);
  ASSERT_EQ(Call({{"op", "start"}})["ok"], true);
  ASSERT_OK(SendMessage(a.get(), Stdin("last")));
  ASSERT_OK(SendMessage(a.get(), {{"close", "stdin"}}));
  int code = -1;
  EXPECT_EQ(ReadUntil(a.get(), "", &code), "lastdone\n");
  EXPECT_EQ(code, 0);
}

TEST_F(ShimTest, ExecOutputGoesToItsClientsNotTheLog) {
  ASSERT_EQ(StartShim("echo init; sleep 100")["ok"], true);
  ASSERT_EQ(Call({{"op", "start"}})["ok"], true);
  json exec =
      Call({{"op", "exec"},
            {"exec_id", "e1"},
            {"process",
             {{"args", {"sh", "-c", "echo out; echo err >&2; exit 7"}}}}});
  ASSERT_EQ(exec["ok"], true) << exec;
  EXPECT_GT(exec["pid"].get<int>(), 0);
  // Attached after it ran: what it wrote was held for the first client.
  UniqueFd a = Connect();
  ASSERT_EQ(Call(a.get(), {{"op", "attach"},
                           {"exec_id", "e1"},
                           {"stdout", true},
                           {"stderr", true}})["ok"],
            true);
  int code = -1;
  std::string out = ReadUntil(a.get(), "", &code);
  EXPECT_THAT(out, HasSubstr("out\n"));
  EXPECT_THAT(out, HasSubstr("err\n"));
  EXPECT_EQ(code, 7);
  EXPECT_EQ(Call({{"op", "wait"}, {"exec_id", "e1"}})["exit_code"], 7);
  EXPECT_EQ(Call({{"op", "exec"},
                  {"exec_id", "e1"},
                  {"process", {{"args", {"true"}}}}})["kind"],
            "exists");

  // One with stdin, attached before it reads.
  exec = Call({{"op", "exec"},
               {"exec_id", "e2"},
               {"stdin", true},
               {"process", {{"args", {"cat"}}}}});
  ASSERT_EQ(exec["ok"], true) << exec;
  UniqueFd b = Connect();
  ASSERT_EQ(Call(b.get(), {{"op", "attach"},
                           {"exec_id", "e2"},
                           {"stdin", true},
                           {"stdout", true}})["ok"],
            true);
  ASSERT_OK(SendMessage(b.get(), Stdin("to exec\n")));
  EXPECT_EQ(ReadUntil(b.get(), "to exec\n"), "to exec\n");
  ASSERT_OK(SendMessage(b.get(), {{"close", "stdin"}}));
  EXPECT_EQ(ReadUntil(b.get(), "", &code), "");
  EXPECT_EQ(code, 0);

  EXPECT_EQ(Call({{"op", "kill"}, {"signal", SIGKILL}})["ok"], true);
  EXPECT_EQ(Call({{"op", "wait"}})["exit_code"], 137);
  std::string log = ReadLog();
  EXPECT_THAT(log, HasSubstr(" stdout F init\n"));
  EXPECT_THAT(log, ::testing::Not(HasSubstr("F out")));
  EXPECT_THAT(log, ::testing::Not(HasSubstr("to exec")));
}

TEST_F(ShimTest, ATerminalItsSizeAndItsEnd) {
  config_.tty = true;
  json report = StartShim("tty; read x; stty size; read y; stty size");
  ASSERT_EQ(report["ok"], true) << report;
  UniqueFd a = Connect();
  ASSERT_EQ(Call(a.get(),
                 {{"op", "attach"}, {"stdin", true}, {"stdout", true}})["ok"],
            true);
  ASSERT_EQ(Call({{"op", "start"}})["ok"], true);
  EXPECT_THAT(ReadUntil(a.get(), "\n"), HasSubstr("/dev/pts/"));
  EXPECT_EQ(Call({{"op", "resize"}, {"rows", 33}, {"cols", 101}}),
            json({{"ok", true}}));
  ASSERT_OK(SendMessage(a.get(), Stdin("go\n")));
  EXPECT_THAT(ReadUntil(a.get(), "33 101"), HasSubstr("33 101"));
  ASSERT_OK(SendMessage(a.get(), {{"resize", {40, 120}}}));
  ASSERT_OK(SendMessage(a.get(), Stdin("go\n")));
  int code = -1;
  EXPECT_THAT(ReadUntil(a.get(), "", &code), HasSubstr("40 120"));
  EXPECT_EQ(code, 0);
  EXPECT_THAT(ReadLog(), HasSubstr("/dev/pts/"));
}

TEST_F(ShimTest, ASlowClientNeitherBlocksTheShimNorLosesTheExit) {
  // 2000 lines of 1000 bytes: far more than a socket and the queue hold.
  ASSERT_EQ(StartShim("i=0; while [ $i -lt 2000 ]; do "
                      "printf '%01000d\\n' $i; i=$((i+1)); done")["ok"],
            true);
  UniqueFd slow = Connect();
  ASSERT_EQ(Call(slow.get(), {{"op", "attach"}, {"stdout", true}})["ok"], true);
  ASSERT_EQ(Call({{"op", "start"}})["ok"], true);
  EXPECT_EQ(Call({{"op", "wait"}})["exit_code"], 0);
  EXPECT_EQ(Call({{"op", "state"}})["status"], "stopped");
  std::string log = ReadLog();
  EXPECT_EQ(std::count(log.begin(), log.end(), '\n'), 2000);
  // The client got what it had room for, then the exit, last.
  json last;
  int frames = 0;
  while (true) {
    absl::StatusOr<json> m = ReceiveMessage(slow.get(), absl::Seconds(2));
    if (!m.ok()) break;
    last = *m;
    ++frames;
  }
  EXPECT_EQ(last, json({{"exit", 0}}));
  EXPECT_GT(frames, 1);
}

// Reads the utime and stime of `pid`, in clock ticks.
uint64_t CpuTicks(pid_t pid) {
  absl::StatusOr<std::string> stat =
      ReadFile(absl::StrCat("/proc/", pid, "/stat"));
  if (!stat.ok()) return 0;
  std::vector<std::string> f =
      absl::StrSplit(stat->substr(stat->rfind(')') + 2), ' ');
  uint64_t utime = 0, stime = 0;
  if (f.size() < 13 || !absl::SimpleAtoi(f[11], &utime) ||
      !absl::SimpleAtoi(f[12], &stime)) {
    return 0;
  }
  return utime + stime;
}

// Sends 16 KiB stdin frames without blocking until the shim stops reading
// (the socket is full); how many bytes went.
size_t Flood(int fd) {
  EXPECT_EQ(fcntl(fd, F_SETFL, O_NONBLOCK), 0);
  std::string chunk(16 * 1024, 'i');
  size_t sent = 0;
  while (sent < (4u << 20) &&
         SendMessage(fd, {{"stdin", absl::Base64Escape(chunk)}},
                     absl::Milliseconds(100))
             .ok()) {
    sent += chunk.size();
  }
  return sent;
}

TEST_F(ShimTest, AWriterOfStdinNobodyReadsIsPausedAndFreedAtTheExit) {
  config_.open_stdin = true;
  // Never reads, and leaves a child that holds its stdin open (and does
  // not read it either) past its exit.
  // (A background job's stdin is /dev/null: the pipe goes as fd 3.)
  ASSERT_EQ(StartShim("exec 3<&0; sleep 3 & sleep 1; exit 4")["ok"], true);
  UniqueFd a = Connect();
  ASSERT_EQ(Call(a.get(), {{"op", "attach"}, {"stdin", true}})["ok"], true);
  ASSERT_EQ(Call({{"op", "start"}})["ok"], true);
  // More than the pipe and the shim hold: the shim stops reading the
  // client, and still answers others, without spinning.
  EXPECT_LT(Flood(a.get()), 4u << 20);
  uint64_t before = CpuTicks(shim_);
  EXPECT_EQ(Call({{"op", "state"}})["status"], "running");
  EXPECT_EQ(Call({{"op", "wait"}})["exit_code"], 4);
  EXPECT_LT(CpuTicks(shim_) - before, 20u);  // 0.2 s of about 1
  // The client reads its exit frame and goes; the shim sees it go (the
  // connection is read again once the process is gone) and exits after
  // its linger, not max_linger.
  ASSERT_EQ(fcntl(a.get(), F_SETFL, 0), 0);
  int code = -1;
  ReadUntil(a.get(), "", &code);
  EXPECT_EQ(code, 4);
  a.Reset();
  EXPECT_EQ(WaitShim(absl::Seconds(2)), 0);
}

TEST_F(ShimTest, StdinOfAClientThatHungUpStillArrivesWhole) {
  config_.open_stdin = true;
  // Output the client never reads, so that frames wait for it too, then
  // stdin read only later.
  ASSERT_EQ(StartShim("head -c 600000 /dev/zero >&2; sleep 0.5; wc -c")["ok"],
            true);
  UniqueFd a = Connect();
  ASSERT_EQ(Call(a.get(),
                 {{"op", "attach"}, {"stdin", true}, {"stderr", true}})["ok"],
            true);
  ASSERT_EQ(Call({{"op", "start"}})["ok"], true);
  size_t sent = Flood(a.get());
  // The last frame waits for room as a client would.
  ASSERT_EQ(fcntl(a.get(), F_SETFL, 0), 0);
  ASSERT_OK(SendMessage(a.get(), {{"close", "stdin"}}));
  a.Reset();  // paused, and gone: what it sent is read all the same
  EXPECT_EQ(Call({{"op", "wait"}})["exit_code"], 0);
  std::string counted;  // the stdout records only: stderr is 600 KB of NULs
  for (absl::string_view line : absl::StrSplit(ReadLog(), '\n')) {
    if (absl::StrContains(line, " stdout ")) absl::StrAppend(&counted, line);
  }
  EXPECT_THAT(counted, HasSubstr(absl::StrCat(" stdout F ", sent)));
}

TEST_F(ShimTest, RefusedRequests) {
  ASSERT_EQ(StartShim("sleep 100")["ok"], true);
  UniqueFd c = Connect();
  struct Case {
    json request;
    const char* kind;
    const char* message;
  } cases[] = {
      {{{"op", "state"}, {"container", "other"}}, "not_found", "\"other\""},
      {{{"op", "bogus"}}, "invalid", "unknown op \"bogus\""},
      {{{"op", "kill"}, {"signal", 0}}, "invalid", "signal"},
      {{{"op", "wait"}, {"exec_id", "nope"}}, "not_found", "\"nope\""},
      {{{"op", "attach"}, {"stdin", true}}, "state", "--stdin"},
      {{{"op", "resize"}, {"rows", 2}, {"cols", 2}}, "state", "no terminal"},
      {{{"op", "exec"},
        {"exec_id", "x"},
        {"process", {{"args", json::array()}}}},
       "invalid",
       "no args"},
  };
  for (const Case& k : cases) {
    json r = Call(c.get(), k.request);
    EXPECT_EQ(r["ok"], false) << k.request;
    EXPECT_EQ(r["kind"], k.kind) << r;
    EXPECT_THAT(r.value("message", ""), HasSubstr(k.message)) << r;
  }
  // Not JSON at all: answered, and the connection still serves.
  ASSERT_EQ(send(c.get(), "{nope", 5, 0), 5);
  EXPECT_EQ(Next(c.get())["kind"], "invalid");
  EXPECT_EQ(Call(c.get(), {{"op", "state"}})["status"], "created");
}

TEST_F(ShimTest, ShutdownEndsTheShimAsSoonAsTheContainerIsGone) {
  config_.linger = absl::Seconds(30);
  ASSERT_EQ(StartShim("sleep 100")["ok"], true);
  ASSERT_EQ(Call({{"op", "start"}})["ok"], true);
  EXPECT_EQ(Call({{"op", "shutdown"}}), json({{"ok", true}}));
  EXPECT_EQ(WaitShim(absl::Milliseconds(300)), -1);  // the container runs
  ASSERT_EQ(Call({{"op", "kill"}, {"signal", SIGKILL}})["ok"], true);
  EXPECT_EQ(WaitShim(absl::Seconds(3)), 0);
}

TEST_F(ShimTest, OrphansOfTheContainerAreReaped) {
  config_.linger = absl::Seconds(2);
  ASSERT_EQ(StartShim("sleep 0.2 & exit 5")["ok"], true);
  ASSERT_EQ(Call({{"op", "start"}})["ok"], true);
  EXPECT_EQ(Call({{"op", "wait"}})["exit_code"], 5);
  absl::SleepFor(absl::Milliseconds(600));
  // No zombie child of the shim: the orphaned sleep was reaped.
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> procs, ListDir("/proc"));
  for (const std::string& name : procs) {
    int pid;
    if (!absl::SimpleAtoi(name, &pid)) continue;
    absl::StatusOr<std::string> stat =
        ReadFile(absl::StrCat("/proc/", pid, "/stat"));
    if (!stat.ok()) continue;
    std::vector<std::string> f =
        absl::StrSplit(stat->substr(stat->rfind(')') + 2), ' ');
    if (f.size() > 1 && f[1] == absl::StrCat(shim_)) {
      EXPECT_NE(f[0], "Z") << "zombie child " << pid << " of the shim";
    }
  }
  EXPECT_EQ(WaitShim(), 0);
}

}  // namespace
}  // namespace crate::shim
