// push, login and logout (and image push).
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "cli/crate/commands.h"
#include "cli/crate/login_input.h"
#include "cli/crate/push_output.h"

namespace crate::cli {
namespace {

// docker's login and logout fail with 1, not with 125.
constexpr int kExitLoginFailed = 1;

int LoginError(absl::string_view message) {
  PrintError(message);
  return kExitLoginFailed;
}

struct PushFlags {
  std::string image;
  bool quiet = false;
};

int Push(Context& ctx, const PushFlags& f) {
  absl::StatusOr<Client*> client = ctx.client();
  if (!client.ok()) return PrintError(client.status().message());
  PushTarget target = ParsePushTarget(f.image);
  if (f.image.find('@') != std::string::npos) {
    return PrintError(absl::StrCat("cannot push a digest reference: ", f.image,
                                   " (push a tag)"));
  }
  if (target.default_tag && !f.quiet) {
    std::printf("Using default tag: %s\n", target.tag.c_str());
    std::fflush(stdout);
  }
  crate::v1::PushImageRequest request;
  request.set_image(target.Reference());
  crate::v1::PushImageResponse response;
  auto call = Client::Call(kNoDeadline);
  grpc::Status s = (*client)->images().Push(call.get(), request, &response);
  if (!s.ok()) return (*client)->Fail(s);
  if (f.quiet) {
    std::printf("%s\n", target.Reference().c_str());
    return 0;
  }
  std::string report = PushReport(target, response);
  std::fwrite(report.data(), 1, report.size(), stdout);
  return 0;
}

CLI::App* AddPush(CLI::App& parent, Context& ctx, const std::string& name) {
  auto f = std::make_shared<PushFlags>();
  CLI::App* cmd = parent.add_subcommand(name, "Upload an image to a registry");
  SetUsage(cmd, "[OPTIONS] NAME[:TAG]");
  cmd->add_option("image", f->image, "The image")->required();
  cmd->add_flag("-q,--quiet", f->quiet, "Suppress verbose output");
  OnRun(cmd, ctx, [&ctx, f] { return Push(ctx, *f); });
  return cmd;
}

struct LoginFlags {
  std::string server;
  std::string username;
  std::string password;
  bool password_given = false;
  bool password_stdin = false;
};

// The user name and password from the flags, stdin or the terminal, as
// docker takes them.
absl::Status Credentials(LoginFlags& f) {
  if (f.password_given && f.password_stdin) {
    return absl::InvalidArgumentError(
        "--password and --password-stdin are mutually exclusive");
  }
  if (f.password_stdin) {
    if (f.username.empty()) {
      return absl::InvalidArgumentError(
          "Must provide --username with --password-stdin");
    }
    absl::StatusOr<std::string> password = ReadPasswordStdin(stdin);
    if (!password.ok()) return password.status();
    f.password = *std::move(password);
    return absl::OkStatus();
  }
  if (f.password_given) {
    std::fprintf(stderr,
                 "WARNING! Using --password via the CLI is insecure. Use "
                 "--password-stdin.\n");
  }
  if (!f.username.empty() && f.password_given) return absl::OkStatus();
  if (!isatty(STDIN_FILENO)) {
    return absl::InvalidArgumentError(
        "Cannot perform an interactive login from a non TTY device");
  }
  if (f.username.empty()) {
    absl::StatusOr<std::string> user =
        PromptLine("Username: ", false, stdin, stdout);
    if (!user.ok()) return user.status();
    f.username = *std::move(user);
  }
  if (!f.password_given) {
    absl::StatusOr<std::string> password =
        PromptLine("Password: ", true, stdin, stdout);
    if (!password.ok()) return password.status();
    f.password = *std::move(password);
  }
  if (f.username.empty()) {
    return absl::InvalidArgumentError("Username cannot be empty");
  }
  if (f.password.empty()) {
    return absl::InvalidArgumentError("Password Required");
  }
  return absl::OkStatus();
}

int Login(Context& ctx, LoginFlags f) {
  absl::Status read = Credentials(f);
  if (!read.ok()) return LoginError(read.message());
  absl::StatusOr<Client*> client = ctx.client();
  if (!client.ok()) return LoginError(client.status().message());
  crate::v1::LoginRequest request;
  request.set_registry(f.server.empty() ? "docker.io" : f.server);
  request.set_username(f.username);
  request.set_password(f.password);
  crate::v1::LoginResponse response;
  auto call = Client::Call(absl::Minutes(2));
  grpc::Status s = (*client)->images().Login(call.get(), request, &response);
  if (!s.ok()) return LoginError((*client)->ErrorText(s));
  std::printf("Login Succeeded\n");
  return 0;
}

CLI::App* AddLogin(CLI::App& parent, Context& ctx) {
  auto f = std::make_shared<LoginFlags>();
  CLI::App* cmd = parent.add_subcommand(
      "login",
      "Log in to a registry.\nIf no server is specified, Docker Hub is used.");
  SetUsage(cmd, "[OPTIONS] [SERVER]");
  cmd->add_option("server", f->server, "The registry (host[:port])");
  cmd->add_option("-u,--username", f->username, "Username");
  cmd->add_option("-p,--password", f->password, "Password")
      ->each([f](const std::string&) { f->password_given = true; });
  cmd->add_flag("--password-stdin", f->password_stdin,
                "Take the password from stdin");
  OnRun(cmd, ctx, [&ctx, f] { return Login(ctx, *f); });
  return cmd;
}

int Logout(Context& ctx, const std::string& server) {
  absl::StatusOr<Client*> client = ctx.client();
  if (!client.ok()) return LoginError(client.status().message());
  const std::string name = RegistryDisplayName(server);
  crate::v1::LogoutRequest request;
  request.set_registry(server.empty() ? "docker.io" : server);
  crate::v1::LogoutResponse response;
  auto call = Client::Call();
  grpc::Status s = (*client)->images().Logout(call.get(), request, &response);
  if (s.error_code() == grpc::StatusCode::NOT_FOUND) {
    std::printf("Not logged in to %s\n", name.c_str());
    return 0;
  }
  if (!s.ok()) return LoginError((*client)->ErrorText(s));
  std::printf("Removing login credentials for %s\n", name.c_str());
  return 0;
}

CLI::App* AddLogout(CLI::App& parent, Context& ctx) {
  auto server = std::make_shared<std::string>();
  CLI::App* cmd = parent.add_subcommand(
      "logout",
      "Log out from a registry.\nIf no server is specified, Docker Hub is "
      "used.");
  SetUsage(cmd, "[SERVER]");
  cmd->add_option("server", *server, "The registry (host[:port])");
  OnRun(cmd, ctx, [&ctx, server] { return Logout(ctx, *server); });
  return cmd;
}

}  // namespace

void AddRegistryCommands(const CommandGroups& g, Context& ctx) {
  AddPush(*g.root, ctx, "push")->group(kCommonGroup);
  AddLogin(*g.root, ctx)->group(kCommonGroup);
  AddLogout(*g.root, ctx)->group(kCommandsGroup);
  AddPush(*g.image, ctx, "push")->group(kCommandsGroup);
}

}  // namespace crate::cli
