// crate: the docker-style command line, one gRPC client of crated among
// others.
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

#include "absl/strings/str_split.h"
#include "api/proto/crate/v1/system.grpc.pb.h"
#include "cli/crate/service_starter.h"
#include "cli/crate/socket_path.h"
#include "runtime/base/version.h"

namespace {

constexpr char kUsage[] =
    "Usage: crate COMMAND\n"
    "\n"
    "Commands:\n"
    "  version    Show the client version, and the service's when it runs\n";

int Version() {
  std::printf("Client:\n Version: %s\n API: v1\n", crate::kCrateVersion);
  auto target = crate::cli::ServiceTarget(crate::cli::CurrentSocketEnv());
  if (!target.ok()) {
    std::fprintf(stderr, "crate: %s\n",
                 std::string(target.status().message()).c_str());
    return 0;
  }
  // Nothing answering on the socket: crated is started on demand, its run
  // directory beside the socket; CRATE_ROOT names its persistent root and
  // CRATE_CRATED_ARGS adds flags (tests use both to run a private service).
  {
    crate::cli::StartOptions start;
    start.socket_path = target->substr(std::string("unix:").size());
    std::string run = start.socket_path.substr(0, start.socket_path.rfind('/'));
    start.crated_args = {"--run-dir", run, "--socket", start.socket_path};
    if (const char* root = getenv("CRATE_ROOT"); root != nullptr && *root) {
      start.crated_args.insert(start.crated_args.end(), {"--root", root});
    }
    if (const char* extra = getenv("CRATE_CRATED_ARGS")) {
      for (absl::string_view a :
           absl::StrSplit(extra, ' ', absl::SkipEmpty())) {
        start.crated_args.emplace_back(a);
      }
    }
    absl::Status started = crate::cli::EnsureService(start);
    if (!started.ok()) {
      std::fprintf(stderr, "crate: %s\n",
                   std::string(started.message()).c_str());
      return 125;
    }
  }
  auto stub = crate::v1::System::NewStub(
      grpc::CreateChannel(*target, grpc::InsecureChannelCredentials()));
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
  crate::v1::VersionResponse resp;
  grpc::Status status = stub->Version(&ctx, crate::v1::VersionRequest(), &resp);
  if (!status.ok()) {
    std::printf("Service (%s): not reachable (%s)\n", target->c_str(),
                status.error_message().c_str());
    return 0;
  }
  std::printf("Service:\n Version: %s\n OCI runtime spec: %s\n API: %s\n",
              resp.version().c_str(), resp.oci_runtime_spec().c_str(),
              resp.api_version().c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::strcmp(argv[1], "--help") == 0 ||
      std::strcmp(argv[1], "-h") == 0) {
    std::fputs(kUsage, argc < 2 ? stderr : stdout);
    return argc < 2 ? 125 : 0;
  }
  if (std::strcmp(argv[1], "version") == 0 ||
      std::strcmp(argv[1], "--version") == 0) {
    return Version();
  }
  std::fprintf(stderr, "crate: unknown command \"%s\"\n%s", argv[1], kUsage);
  return 125;
}
