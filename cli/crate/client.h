// The CLI's connection to crated: where it listens, starting it on demand,
// deadlines, and how a failed call is reported (docker's "Error: ..." on
// stderr and exit code 125).
#ifndef CRATE_CLI_CRATE_CLIENT_H_
#define CRATE_CLI_CRATE_CLIENT_H_

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>
#include <grpcpp/support/status.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "api/proto/crate/v1/containers.grpc.pb.h"
#include "api/proto/crate/v1/images.grpc.pb.h"
#include "api/proto/crate/v1/system.grpc.pb.h"
#include "api/proto/crate/v1/volumes.grpc.pb.h"
#include "cli/crate/service_starter.h"

namespace crate::cli {

// Connecting: a service found gone right after it answered is looked for
// (and started) again this many times, each connect waited for this long
// (its start reconciles every container first).
inline constexpr int kConnectAttempts = 3;
inline constexpr absl::Duration kConnectWait = absl::Seconds(3);

// Most calls answer at once; a hung service should not hang the CLI.
inline constexpr absl::Duration kQuickCall = absl::Seconds(30);
// Create makes a root file system and waits for a shim.
inline constexpr absl::Duration kCreateCall = absl::Minutes(2);
// Calls that wait for the container (wait, followed logs, pull).
inline constexpr absl::Duration kNoDeadline = absl::InfiniteDuration();

struct ConnectOptions {
  std::string host;  // -H; empty: $CRATE_HOST, else the default socket
};

class Client {
 public:
  // Finds the service (socket_path.h) and, on a unix socket where nothing
  // answers, starts crated (service_starter.h) with $CRATE_ROOT as its root
  // and $CRATE_CRATED_ARGS as extra flags.
  static absl::StatusOr<std::unique_ptr<Client>> Connect(
      const ConnectOptions& options);

  const std::string& target() const { return target_; }
  crate::v1::Containers::Stub& containers() { return *containers_; }
  crate::v1::Images::Stub& images() { return *images_; }
  crate::v1::System::Stub& system() { return *system_; }
  crate::v1::Volumes::Stub& volumes() { return *volumes_; }

  // A context for one call with the given deadline.
  static std::unique_ptr<grpc::ClientContext> Call(
      absl::Duration deadline = kQuickCall);

  // The text of a failed call: the service's message, or which service
  // could not be reached.
  std::string ErrorText(const grpc::Status& status) const;

  // Prints "Error: ..." for a failed call; returns 125.
  int Fail(const grpc::Status& status) const;

 private:
  Client(std::string target, std::shared_ptr<grpc::Channel> channel);

  std::string target_;
  std::unique_ptr<crate::v1::Containers::Stub> containers_;
  std::unique_ptr<crate::v1::Images::Stub> images_;
  std::unique_ptr<crate::v1::System::Stub> system_;
  std::unique_ptr<crate::v1::Volumes::Stub> volumes_;
};

// How crated is started for a socket: its run directory beside the socket,
// root and extra flags from the environment (tests run a private service
// that way).
StartOptions StartOptionsFor(const std::string& socket_path,
                             const char* crate_root, const char* extra_args);

// Prints "Error: <message>" on stderr; returns 125.
int PrintError(absl::string_view message);

}  // namespace crate::cli

#endif  // CRATE_CLI_CRATE_CLIENT_H_
