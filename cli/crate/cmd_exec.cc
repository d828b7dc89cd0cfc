// exec: a further process in a running container, its output on ours and
// its exit code as ours.
#include <unistd.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "cli/crate/commands.h"
#include "cli/crate/detach_keys.h"
#include "cli/crate/exit_codes.h"
#include "cli/crate/process_session.h"
#include "cli/crate/terminal.h"

namespace crate::cli {
namespace {

struct ExecFlags {
  bool detach = false;
  bool interactive = false;
  bool tty = false;
  std::vector<std::string> env;
  std::string workdir;
  std::string user;
  std::string detach_keys = "ctrl-p,ctrl-q";
  CLI::App* app = nullptr;
};

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
  absl::StatusOr<std::string> keys = ParseDetachKeys(f.detach_keys);
  if (!keys.ok()) return PrintError(keys.status().message());
  const bool send_stdin = f.interactive && !f.detach;
  // docker: a terminal relayed to a stdin that is not one is refused.
  const bool raw = f.tty && send_stdin;
  if (raw && !IsTerminal(STDIN_FILENO)) {
    return PrintError("the input device is not a TTY");
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
  s->set_stdin(send_stdin);
  s->set_tty(f.tty);
  s->set_detach(f.detach);
  if (f.tty) {
    absl::optional<WindowSize> size = TerminalSize(STDOUT_FILENO);
    if (!size) size = TerminalSize(STDIN_FILENO);
    if (size) {
      s->mutable_size()->set_rows(static_cast<uint32_t>(size->rows));
      s->mutable_size()->set_cols(static_cast<uint32_t>(size->cols));
    }
  }

  std::shared_ptr<ExecChannel> channel = OpenExec((*client)->containers());
  channel->Start(start);
  ProcessOutput first;
  if (!channel->Read(&first)) {
    channel->WritesDone();
    grpc::Status status = channel->Finish();
    PrintError((*client)->ErrorText(status));
    return ExitCodeForRunError(status.error_code(), status.error_message());
  }
  if (f.detach) {
    channel->Cancel();
    return 0;
  }
  std::unique_ptr<RawTerminal> terminal;
  if (raw) {
    absl::StatusOr<std::unique_ptr<RawTerminal>> t =
        RawTerminal::Enter(STDIN_FILENO);
    if (!t.ok()) {
      channel->Cancel();
      return PrintError(t.status().message());
    }
    terminal = std::move(*t);
  }
  RelayOptions relay;
  relay.send_stdin = send_stdin;
  relay.tty = f.tty;
  relay.detach_keys = *keys;
  RelayResult result = Relay(channel, relay);
  terminal.reset();
  switch (result.end) {
    case RelayResult::End::kExited:
      return result.exit_code;
    case RelayResult::End::kDetached:
      return 0;
    case RelayResult::End::kBroken:
      break;
  }
  // Once the pid came the service was reached, so an UNAVAILABLE is its
  // own word (the shim gone), not "cannot reach crated".
  if (!result.status.ok()) return PrintError(result.status.error_message());
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
  f->app->add_flag("-t,--tty", f->tty, "Allocate a pseudo-TTY");
  f->app
      ->add_option("--detach-keys", f->detach_keys,
                   "Override the key sequence for detaching a container")
      ->default_str(f->detach_keys);
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
