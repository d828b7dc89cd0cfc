#include "cli/crate/client.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

#include <cstdio>
#include <cstdlib>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "cli/crate/exit_codes.h"
#include "cli/crate/socket_path.h"

namespace crate::cli {

StartOptions StartOptionsFor(const std::string& socket_path,
                             const char* crate_root, const char* extra_args) {
  StartOptions start;
  start.socket_path = socket_path;
  std::string run = socket_path.substr(0, socket_path.rfind('/'));
  if (run.empty()) run = "/";
  start.crated_args = {"--run-dir", run, "--socket", socket_path};
  if (crate_root != nullptr && *crate_root != '\0') {
    start.crated_args.insert(start.crated_args.end(), {"--root", crate_root});
  }
  if (extra_args != nullptr) {
    for (absl::string_view a :
         absl::StrSplit(extra_args, ' ', absl::SkipEmpty())) {
      start.crated_args.emplace_back(a);
    }
  }
  return start;
}

Client::Client(std::string target, std::shared_ptr<grpc::Channel> channel)
    : target_(std::move(target)) {
  containers_ = crate::v1::Containers::NewStub(channel);
  images_ = crate::v1::Images::NewStub(channel);
  system_ = crate::v1::System::NewStub(channel);
  volumes_ = crate::v1::Volumes::NewStub(channel);
}

absl::StatusOr<std::unique_ptr<Client>> Client::Connect(
    const ConnectOptions& options) {
  SocketEnv env = CurrentSocketEnv();
  if (!options.host.empty()) env.crate_host = options.host.c_str();
  absl::StatusOr<std::string> target = ServiceTarget(env);
  if (!target.ok()) return target.status();
  absl::string_view path = *target;
  auto channel = [&] {
    return grpc::CreateChannel(*target, grpc::InsecureChannelCredentials());
  };
  if (!absl::ConsumePrefix(&path, "unix:")) {
    return std::unique_ptr<Client>(new Client(*target, channel()));
  }
  const StartOptions start =
      StartOptionsFor(std::string(path), std::getenv("CRATE_ROOT"),
                      std::getenv("CRATE_CRATED_ARGS"));
  std::shared_ptr<grpc::Channel> ch;
  for (int attempt = 0; attempt < kConnectAttempts; ++attempt) {
    absl::Status started = EnsureService(start);
    if (!started.ok()) return started;
    // A service can answer the check above and be gone a moment later
    // (killed, or on its idle way out): its socket still took the
    // connect. Looked at again, the next one is started. A new channel
    // each time, so that no reconnect backoff is waited out.
    ch = channel();
    if (ch->WaitForConnected(absl::ToChronoTime(absl::Now() + kConnectWait))) {
      break;
    }
  }
  return std::unique_ptr<Client>(new Client(*target, ch));
}

std::unique_ptr<grpc::ClientContext> Client::Call(absl::Duration deadline) {
  auto ctx = std::make_unique<grpc::ClientContext>();
  if (deadline != absl::InfiniteDuration()) {
    ctx->set_deadline(absl::ToChronoTime(absl::Now() + deadline));
  }
  return ctx;
}

std::string Client::ErrorText(const grpc::Status& status) const {
  switch (status.error_code()) {
    case grpc::StatusCode::UNAVAILABLE:
      return absl::StrCat("cannot reach crated at ", target_, ": ",
                          status.error_message());
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return absl::StrCat("crated at ", target_,
                          " did not answer in time: ", status.error_message());
    default:
      return status.error_message();
  }
}

int Client::Fail(const grpc::Status& status) const {
  return PrintError(ErrorText(status));
}

int PrintError(absl::string_view message) {
  std::fflush(stdout);
  std::fprintf(stderr, "Error: %.*s\n", static_cast<int>(message.size()),
               message.data());
  return kExitCrateError;
}

}  // namespace crate::cli
