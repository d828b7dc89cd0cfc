// Accepts connections on crated's listening sockets and gives each to a
// gRPC server: callers the socket's rules allow (peer_auth.h) to the real
// one, others to a server whose every method answers PERMISSION_DENIED
// with the reason, so a refused client learns why instead of seeing a
// dropped connection.
//
// gRPC 1.51 takes connected fds (grpc::AddInsecureChannelFromFd) but no
// listening socket; the fds must be non-blocking, or every call hangs
// until its deadline.
#ifndef CRATE_API_SERVER_CONNECTION_ACCEPTOR_H_
#define CRATE_API_SERVER_CONNECTION_ACCEPTOR_H_

#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/server.h>

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "api/server/idle_tracker.h"
#include "api/server/peer_auth.h"
#include "runtime/base/unique_fd.h"

namespace crate::server {

// Answers every method with PERMISSION_DENIED and the reason recorded for
// the connection's fd (the peer address of an fd channel is "fd:N").
class DenyService : public grpc::CallbackGenericService {
 public:
  void SetReason(int fd, std::string reason);
  grpc::ServerGenericBidiReactor* CreateReactor(
      grpc::GenericCallbackServerContext* context) override;

 private:
  std::mutex mu_;
  std::map<std::string, std::string> reasons_;  // "fd:N" -> why
};

// A grpc::Server for refused connections, with only a DenyService.
std::unique_ptr<grpc::Server> BuildDenyServer(DenyService* service);

class ConnectionAcceptor {
 public:
  // A listening unix socket, whose peers are checked against the socket
  // file's owner and group. (TCP is gRPC's own port, with mutual TLS.)
  struct Listener {
    UniqueFd fd;
    std::string unix_path;
  };

  ConnectionAcceptor(std::vector<Listener> listeners, grpc::Server* allowed,
                     grpc::Server* denied, DenyService* deny,
                     IdleTracker* idle);
  ~ConnectionAcceptor();

  // Accepts on a thread of its own until Stop.
  absl::Status Start();
  void Stop();

 private:
  void Loop();
  void Accept(const Listener& listener);

  std::vector<Listener> listeners_;
  grpc::Server* allowed_;
  grpc::Server* denied_;
  DenyService* deny_;
  IdleTracker* idle_;
  UniqueFd wake_;  // eventfd that ends the loop
  std::thread thread_;
};

}  // namespace crate::server

#endif  // CRATE_API_SERVER_CONNECTION_ACCEPTOR_H_
