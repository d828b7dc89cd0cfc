// crated: crate's gRPC service (docs/SERVICE.md). Socket-activated or
// started on demand by a client, it exits when idle; everything it knows
// is on disk.
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "api/server/activation.h"
#include "api/server/connection_acceptor.h"
#include "api/server/idle_tracker.h"
#include "api/server/services.h"
#include "cli/crate/service_starter.h"
#include "cli/crated/config_file.h"
#include "cli/crated/service_paths.h"
#include "runtime/base/file_lock.h"
#include "runtime/base/file_util.h"

namespace crate::crated {
namespace {

struct Flags {
  std::string root;
  std::string run;
  std::string socket;
  std::string group = "crate";
  int idle_timeout_seconds = 5;
  std::string tcp;
  std::string tls_cert;
  std::string tls_key;
  std::string tls_client_ca;
  std::string shim;
  std::string config_path;  // --config: must exist
  crated::ServiceConfig config;
};

// crate-shim beside this binary (as installed) or in the build tree's
// sibling package; else by name, for the spawn's error to name it.
std::string FindShim() {
  std::string shim = cli::FindSiblingBinary("crate-shim");
  return shim.empty() ? "crate-shim" : shim;
}

[[noreturn]] void Die(const std::string& message) {
  std::fprintf(stderr, "crated: %s\n", message.c_str());
  std::exit(1);
}

void DieIf(const absl::Status& status) {
  if (!status.ok()) Die(std::string(status.message()));
}

// A TCP listener exists only with mutual TLS: a client without a
// certificate the given CA signed is refused in the handshake.
std::shared_ptr<grpc::ServerCredentials> MutualTls(const Flags& f) {
  if (f.tls_cert.empty() || f.tls_key.empty() || f.tls_client_ca.empty()) {
    Die("--tcp needs --tls-cert, --tls-key and --tls-client-ca (a TCP "
        "listener is served only with mutual TLS)");
  }
  auto read = [](const std::string& path) {
    absl::StatusOr<std::string> text = ReadFile(path, 1 << 20);
    if (!text.ok()) Die(std::string(text.status().message()));
    return *text;
  };
  grpc::SslServerCredentialsOptions options(
      GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  options.pem_root_certs = read(f.tls_client_ca);
  options.pem_key_cert_pairs.push_back({read(f.tls_key), read(f.tls_cert)});
  return grpc::SslServerCredentials(options);
}

int Run(const Flags& f) {
  DieIf(MakeDirs(f.run, 0711));
  DieIf(MakeDirs(f.root, 0700));
  // One crated per run directory. A second one leaves quietly while the
  // first serves; while the first is on its way out (idle, its socket gone)
  // the second waits for it.
  std::string lock_path = JoinPath(f.run, "crated.lock");
  absl::StatusOr<FileLock> lock = FileLock::TryAcquire(lock_path);
  for (int i = 0; !lock.ok() && absl::IsUnavailable(lock.status()); ++i) {
    if (cli::ServiceAnswers(f.socket) || i == 1000) return 0;
    absl::SleepFor(absl::Milliseconds(10));
    lock = FileLock::TryAcquire(lock_path);
  }
  if (!lock.ok()) Die(std::string(lock.status().message()));

  std::vector<server::ConnectionAcceptor::Listener> listeners;
  absl::StatusOr<std::vector<int>> inherited =
      server::InheritedSockets(server::CurrentActivationEnv());
  DieIf(inherited.status());
  bool activated = !inherited->empty();
  for (int fd : *inherited) {
    absl::StatusOr<std::string> path = server::UnixSocketPath(fd);
    DieIf(path.status());
    listeners.push_back({UniqueFd(fd), *path});
  }
  if (!activated) {
    absl::StatusOr<UniqueFd> fd = server::ListenUnix({f.socket, 0660, f.group});
    DieIf(fd.status());
    listeners.push_back({*std::move(fd), f.socket});
  }

  server::ServicesOptions options;
  options.engine.root = f.root;
  options.engine.run = f.run;
  options.engine.shim_binary = f.shim;
  options.engine.log_max_bytes = f.config.log_max_bytes.value_or(0);
  options.engine.default_network = f.config.default_network.value_or("");
  options.engine.registries = f.config.registries;
  options.idle_timeout_seconds = f.idle_timeout_seconds;
  absl::StatusOr<std::unique_ptr<server::Services>> services =
      server::Services::Open(options);
  DieIf(services.status());

  server::IdleTracker idle;
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  (*services)->Register(builder);
  if (!f.tcp.empty()) builder.AddListeningPort(f.tcp, MutualTls(f));
  std::vector<
      std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
      interceptors;
  interceptors.push_back(idle.InterceptorFactory());
  builder.experimental().SetInterceptorCreators(std::move(interceptors));
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr) {
    Die(f.tcp.empty() ? "the gRPC server did not start"
                      : absl::StrCat("cannot serve on ", f.tcp));
  }
  server->GetHealthCheckService()->SetServingStatus(true);
  server::DenyService deny;
  std::unique_ptr<grpc::Server> deny_server = server::BuildDenyServer(&deny);

  std::fprintf(stderr, "crated %d: serving %s\n", getpid(),
               activated ? "an inherited socket" : f.socket.c_str());
  server::ConnectionAcceptor acceptor(std::move(listeners), server.get(),
                                      deny_server.get(), &deny, &idle);
  DieIf(acceptor.Start());

  // SIGTERM and SIGINT end the wait below like an idle timeout does.
  std::thread signals([&idle] {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    int sig = 0;
    sigwait(&set, &sig);
    idle.Stop();
  });
  signals.detach();
  if (f.idle_timeout_seconds > 0) {
    idle.WaitIdle(absl::Seconds(f.idle_timeout_seconds));
  } else {
    idle.WaitIdle(absl::InfiniteDuration());
  }
  // No new connections; a client that raced the exit finds no service and
  // starts another one (which waits for this one's lock).
  acceptor.Stop();
  std::fprintf(stderr, "crated %d: exiting\n", getpid());
  if (!activated) unlink(f.socket.c_str());
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
  deny_server->Shutdown(std::chrono::system_clock::now());
  return 0;
}

}  // namespace
}  // namespace crate::crated

int main(int argc, char** argv) {
  // Blocked before any thread exists, so that only sigwait sees them.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);

  crate::crated::Flags f;
  absl::StatusOr<crate::crated::ServicePaths> defaults =
      crate::crated::DefaultServicePaths(crate::crated::CurrentPathEnv());
  CLI::App app{"crated: crate's gRPC service (containers, images, volumes)",
               "crated"};
  app.add_option("--root", f.root, "Persistent state (images, containers)");
  app.add_option("--run-dir", f.run, "Runtime state and the socket");
  app.add_option("--socket", f.socket, "The unix socket to listen on");
  app.add_option("--group", f.group,
                 "Group whose members may use the socket (if it exists)");
  app.add_option("--idle-timeout", f.idle_timeout_seconds,
                 "Exit after this many seconds without calls (0: never)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--shim", f.shim, "The crate-shim binary");
  app.add_option("--tcp", f.tcp, "Also serve on HOST:PORT, with mutual TLS");
  app.add_option("--tls-cert", f.tls_cert, "Server certificate (PEM)");
  app.add_option("--tls-key", f.tls_key, "Server private key (PEM)");
  app.add_option("--tls-client-ca", f.tls_client_ca,
                 "CA that signs the certificates of allowed clients (PEM)");
  app.add_option("--config", f.config_path,
                 "The configuration file (default /etc/crate/crate.toml, or "
                 "~/.config/crate/crate.toml for a user)");
  CLI11_PARSE(app, argc, argv);
  // The file's settings, under the flags given.
  absl::StatusOr<crate::crated::ServiceConfig> config =
      crate::crated::LoadServiceConfig(
          f.config_path.empty()
              ? crate::crated::DefaultConfigPath(
                    crate::crated::CurrentPathEnv(), getenv("XDG_CONFIG_HOME"))
              : f.config_path,
          !f.config_path.empty());
  if (!config.ok()) {
    std::fprintf(stderr, "crated: %s\n",
                 std::string(config.status().message()).c_str());
    return 1;
  }
  f.config = *std::move(config);
  if (app.count("--root") == 0 && f.config.root) f.root = *f.config.root;
  if (app.count("--run-dir") == 0 && f.config.run_dir) {
    f.run = *f.config.run_dir;
  }
  if (app.count("--group") == 0 && f.config.group) f.group = *f.config.group;
  if (app.count("--idle-timeout") == 0 && f.config.idle_timeout_seconds) {
    f.idle_timeout_seconds = *f.config.idle_timeout_seconds;
  }
  if (defaults.ok()) {
    if (f.root.empty()) f.root = defaults->root;
    if (f.run.empty()) f.run = defaults->run;
  }
  if (f.root.empty() || f.run.empty()) {
    std::fprintf(stderr, "crated: %s\n",
                 std::string(defaults.status().message()).c_str());
    return 1;
  }
  if (f.socket.empty()) f.socket = f.run + "/crate.sock";
  if (f.shim.empty()) f.shim = crate::crated::FindShim();
  return crate::crated::Run(f);
}
