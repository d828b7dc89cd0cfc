// exec: a further process in a running container, its output on ours and
// its exit code as ours.
#include <errno.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "cli/crate/commands.h"
#include "cli/crate/exit_codes.h"

namespace crate::cli {
namespace {

using ExecStream =
    grpc::ClientReaderWriter<crate::v1::ExecRequest, crate::v1::ExecResponse>;

struct ExecFlags {
  bool detach = false;
  bool interactive = false;
  bool tty = false;
  std::vector<std::string> env;
  std::string workdir;
  std::string user;
  CLI::App* app = nullptr;
};

// The request stream's writers: our stdin's thread and, at the end, the
// main thread's half-close. gRPC takes one write at a time, and none after
// the half-close.
struct Sender {
  std::mutex mu;
  ExecStream* stream = nullptr;  // null once half-closed

  void Write(const crate::v1::ExecRequest& request) {
    std::lock_guard<std::mutex> lock(mu);
    if (stream != nullptr) stream->Write(request);
  }
  void WritesDone() {
    std::lock_guard<std::mutex> lock(mu);
    if (stream != nullptr) stream->WritesDone();
    stream = nullptr;
  }
};

// Our stdin to the process, then its close. Detached: a terminal's read
// may never return, and the CLI must not wait for it to exit.
void ForwardStdin(std::shared_ptr<Sender> sender) {
  std::thread([sender] {
    char buf[16 * 1024];
    for (;;) {
      ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      crate::v1::ExecRequest request;
      request.set_stdin(buf, static_cast<size_t>(n));
      sender->Write(request);
    }
    crate::v1::ExecRequest close;
    close.set_close_stdin(true);
    sender->Write(close);
  }).detach();
}

void WriteAll(int fd, const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // a closed pipe of ours: the output is dropped
    done += static_cast<size_t>(n);
  }
}

// docker's -e NAME without a value: our own $NAME, or nothing.
std::vector<std::string> ExpandEnv(const std::vector<std::string>& env) {
  std::vector<std::string> out;
  for (const std::string& e : env) {
    if (e.find('=') != std::string::npos) {
      out.push_back(e);
    } else if (const char* v = std::getenv(e.c_str()); v != nullptr) {
      out.push_back(absl::StrCat(e, "=", v));
    }
  }
  return out;
}

int RunExec(Context& ctx, const ExecFlags& f) {
  std::vector<std::string> words = f.app->remaining();
  if (words.size() < 2) {
    return PrintError(absl::StrCat("\"", CommandPath(f.app),
                                   "\" requires at least 2 arguments.\nSee '",
                                   CommandPath(f.app), " --help'."));
  }
  if (f.tty) {
    return PrintError(
        "-t/--tty is not supported yet: crate exec does not set up a terminal "
        "yet");
  }
  absl::StatusOr<Client*> client = ctx.client();
  if (!client.ok()) return PrintError(client.status().message());

  crate::v1::ExecRequest start;
  crate::v1::ExecStart* s = start.mutable_start();
  s->set_container(words[0]);
  for (size_t i = 1; i < words.size(); ++i) s->add_cmd(words[i]);
  for (const std::string& e : ExpandEnv(f.env)) s->add_env(e);
  s->set_working_dir(f.workdir);
  s->set_user(f.user);
  s->set_stdin(f.interactive && !f.detach);
  s->set_detach(f.detach);

  auto call = Client::Call(kNoDeadline);
  std::unique_ptr<ExecStream> stream = (*client)->containers().Exec(call.get());
  auto sender = std::make_shared<Sender>();
  sender->stream = stream.get();
  sender->Write(start);
  // Without stdin to send the request side is done, which also lets the
  // service end the call with its own status if the shim goes away.
  if (!s->stdin()) sender->WritesDone();

  crate::v1::ExecResponse response;
  bool started = false;
  bool exited = false;
  int exit_code = 0;
  while (stream->Read(&response)) {
    switch (response.what_case()) {
      case crate::v1::ExecResponse::kPid:
        if (!started && s->stdin()) ForwardStdin(sender);
        started = true;
        break;
      case crate::v1::ExecResponse::kStdout:
        WriteAll(STDOUT_FILENO, response.stdout());
        break;
      case crate::v1::ExecResponse::kStderr:
        WriteAll(STDERR_FILENO, response.stderr());
        break;
      case crate::v1::ExecResponse::kExitCode:
        exited = true;
        exit_code = response.exit_code();
        break;
      default:
        break;
    }
    if (exited) break;
  }
  sender->WritesDone();
  if (exited) {
    // The exit code is the answer; the call's end adds nothing to it.
    call->TryCancel();
    return exit_code;
  }
  grpc::Status status = stream->Finish();
  if (!status.ok()) {
    // Once the pid came the service was reached, so an UNAVAILABLE is its
    // own word (the shim gone), not "cannot reach crated".
    if (started) return PrintError(status.error_message());
    PrintError((*client)->ErrorText(status));
    return ExitCodeForRunError(status.error_code(), status.error_message());
  }
  if (!started) return PrintError("the service ended the exec without a pid");
  if (f.detach) return 0;
  return PrintError("the service ended the exec without an exit code");
}

CLI::App* AddExec(CLI::App& parent, Context& ctx) {
  auto f = std::make_shared<ExecFlags>();
  f->app =
      parent.add_subcommand("exec", "Execute a command in a running container");
  SetUsage(f->app, "[OPTIONS] CONTAINER COMMAND [ARG...]");
  f->app->add_flag("-d,--detach", f->detach,
                   "Detached mode: run command in the background");
  f->app->add_option("-e,--env", f->env, "Set environment variables");
  f->app->add_flag("-i,--interactive", f->interactive,
                   "Keep STDIN open even if not attached");
  f->app->add_flag("-t,--tty", f->tty,
                   "Allocate a pseudo-TTY (not supported yet)");
  f->app->add_option("-u,--user", f->user,
                     "Username or UID (format: \"<name|uid>[:<group|gid>]\")");
  f->app->add_option("-w,--workdir", f->workdir,
                     "Working directory inside the container");
  // CONTAINER COMMAND [ARG...]: the first word that is not an option ends
  // option parsing, so that the command's own flags stay its own.
  f->app->prefix_command();
  OnRun(f->app, ctx, [&ctx, f] { return RunExec(ctx, *f); });
  return f->app;
}

}  // namespace

void AddExecCommand(const CommandGroups& g, Context& ctx) {
  AddExec(*g.root, ctx)->group(kCommonGroup);
  AddExec(*g.container, ctx)->group(kCommandsGroup);
}

}  // namespace crate::cli
