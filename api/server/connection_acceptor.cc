#include "api/server/connection_acceptor.h"

#include <errno.h>
#include <grpcpp/server_builder.h>
#include <grpcpp/server_posix.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "runtime/base/errno_status.h"

namespace crate::server {

void DenyService::SetReason(int fd, std::string reason) {
  std::lock_guard<std::mutex> lock(mu_);
  reasons_[absl::StrCat("fd:", fd)] = std::move(reason);
}

grpc::ServerGenericBidiReactor* DenyService::CreateReactor(
    grpc::GenericCallbackServerContext* context) {
  std::string reason = "permission denied";
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = reasons_.find(context->peer());
    if (it != reasons_.end()) reason = it->second;
  }
  class Reactor : public grpc::ServerGenericBidiReactor {
   public:
    explicit Reactor(const std::string& why) {
      Finish(grpc::Status(grpc::StatusCode::PERMISSION_DENIED, why));
    }
    void OnDone() override { delete this; }
  };
  return new Reactor(reason);
}

std::unique_ptr<grpc::Server> BuildDenyServer(DenyService* service) {
  grpc::ServerBuilder builder;
  builder.RegisterCallbackGenericService(service);
  return builder.BuildAndStart();
}

ConnectionAcceptor::ConnectionAcceptor(std::vector<Listener> listeners,
                                       grpc::Server* allowed,
                                       grpc::Server* denied, DenyService* deny,
                                       IdleTracker* idle)
    : listeners_(std::move(listeners)),
      allowed_(allowed),
      denied_(denied),
      deny_(deny),
      idle_(idle) {}

ConnectionAcceptor::~ConnectionAcceptor() { Stop(); }

absl::Status ConnectionAcceptor::Start() {
  wake_.Reset(eventfd(0, EFD_CLOEXEC));
  if (!wake_) return ErrnoStatus("eventfd");
  thread_ = std::thread([this] { Loop(); });
  return absl::OkStatus();
}

void ConnectionAcceptor::Stop() {
  if (!thread_.joinable()) return;
  uint64_t one = 1;
  (void)!write(wake_.get(), &one, sizeof(one));
  thread_.join();
}

void ConnectionAcceptor::Loop() {
  std::vector<pollfd> fds;
  for (const Listener& l : listeners_) fds.push_back({l.fd.get(), POLLIN, 0});
  fds.push_back({wake_.get(), POLLIN, 0});
  for (;;) {
    if (poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (fds.back().revents != 0) return;
    for (size_t i = 0; i < listeners_.size(); ++i) {
      if (fds[i].revents != 0) Accept(listeners_[i]);
    }
  }
}

void ConnectionAcceptor::Accept(const Listener& listener) {
  int fd = accept4(listener.fd.get(), nullptr, nullptr,
                   SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (fd < 0) return;  // EAGAIN, or a client that went away at once
  idle_->Touch();
  std::string why;
  absl::StatusOr<PeerCred> peer = PeerCredOf(fd);
  absl::StatusOr<SocketAccess> access = SocketAccessOf(listener.unix_path);
  if (!peer.ok()) {
    why = std::string(peer.status().message());
  } else if (!access.ok()) {
    why = std::string(access.status().message());
  } else {
    why = DenyReason(*peer, *access);
  }
  if (why.empty()) {
    grpc::AddInsecureChannelFromFd(allowed_, fd);
  } else {
    deny_->SetReason(fd, why);
    grpc::AddInsecureChannelFromFd(denied_, fd);
  }
}

}  // namespace crate::server
