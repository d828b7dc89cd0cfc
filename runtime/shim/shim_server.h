// The shim's state and its one loop; see shim.h for what it does and
// docs/SERVICE.md for the protocol. Internal to RunShim: setup, the loop,
// stdio and exits are in shim_server.cc, the requests and attach frames in
// shim_requests.cc.
#ifndef CRATE_RUNTIME_SHIM_SHIM_SERVER_H_
#define CRATE_RUNTIME_SHIM_SHIM_SERVER_H_

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/optional.h"
#include "nlohmann/json.hpp"
#include "runtime/base/unique_fd.h"
#include "runtime/shim/container_ops.h"
#include "runtime/shim/cri_log.h"
#include "runtime/shim/event_loop.h"
#include "runtime/shim/outbox.h"
#include "runtime/shim/process_table.h"
#include "runtime/shim/shim.h"

namespace crate::shim {

class ShimServer {
 public:
  ShimServer(const ShimConfig& config, ContainerOps& ops);
  ~ShimServer();
  ShimServer(const ShimServer&) = delete;
  ShimServer& operator=(const ShimServer&) = delete;

  // Creates the container and what the shim serves it with; the init's
  // pid. On error nothing is left: no container, pid file or socket.
  absl::StatusOr<pid_t> Setup();
  // Undoes what Setup made: the init killed, the container deleted, the
  // shim's files removed. Also for a report crated never read (it died
  // first): its record still says creating, and nothing else would ever
  // remove a container it did not acknowledge.
  void Abandon(pid_t init);

  // Serves until the init has exited and the shim may go (see ShimConfig),
  // then removes shim.sock and shim.pid.
  void Serve();

 private:
  struct Connection {
    uint64_t id = 0;
    UniqueFd fd;
    EventLoop::Token token = 0;
    Outbox outbox;
    // After an attach: the connection carries frames, not requests.
    bool attached = false;
    std::string exec_id;
    bool in = false, out = false, err = false;
    // Not read while the process it writes stdin to has too much held.
    bool paused = false;
    // The client has closed its end: what it sent is still read (once not
    // paused), nothing more can reach it.
    bool hung_up = false;
    // Gone or hopelessly behind: closed at the end of the loop's round.
    bool broken = false;
  };

  // shim_server.cc
  absl::Status FinishSetup(ShimProcess& init);
  absl::Status WatchIo(ShimProcess& p);
  void OnSignal();
  void Reap();
  void ProcessExited(ShimProcess& p, int wstatus);
  void InitExited(ShimProcess& init);
  void OnOutput(const std::string& exec_id, Stream stream, uint32_t events);
  // Reads what `stream` of `p` has, at most `rounds` reads; false at its
  // end (then closed).
  bool ReadOutput(ShimProcess& p, Stream stream, int rounds);
  void Deliver(ShimProcess& p, Stream stream, absl::string_view data);
  void CloseOutput(ShimProcess& p, Stream stream);
  void OnStdinWritable(const std::string& exec_id);
  // Writes what stdin holds and sets what is watched after that: the fd
  // for writability, the writers' connections paused or resumed.
  void PumpStdin(ShimProcess& p);
  void OnAccept();
  void OnConnection(uint64_t id, uint32_t events);
  void Send(Connection& c, const nlohmann::json& msg);
  void SendOutput(Connection& c, std::string frame);
  void UpdateInterest(Connection& c);
  void CloseBroken();
  bool Done(absl::Time now) const;
  absl::Time NextDeadline() const;
  void Teardown();

  // shim_requests.cc
  // Each request's handler returns its response, or nullopt when it has
  // answered itself (attach) or answers later (wait).
  void HandleRequest(Connection& c, const nlohmann::json& msg);
  absl::optional<nlohmann::json> Dispatch(Connection& c, const std::string& op,
                                          const nlohmann::json& msg);
  nlohmann::json State(const nlohmann::json& msg);
  nlohmann::json Start(const nlohmann::json& msg);
  nlohmann::json Kill(const nlohmann::json& msg);
  nlohmann::json Exec(const nlohmann::json& msg);
  nlohmann::json Resize(const nlohmann::json& msg);
  absl::optional<nlohmann::json> Wait(Connection& c, const nlohmann::json& msg);
  absl::optional<nlohmann::json> Attach(Connection& c,
                                        const nlohmann::json& msg);
  nlohmann::json Shutdown(const nlohmann::json& msg);
  void HandleFrame(Connection& c, const nlohmann::json& msg);
  absl::StatusOr<ShimProcess*> FindProcess(const std::string& exec_id);
  // FailedPrecondition once the init has exited.
  absl::Status CheckRunning();
  // {"ok": true, "exit_code", "signal", "oom_killed", "finished_at"}.
  static nlohmann::json ExitResponse(const ExitStatus& exit);

  const ShimConfig config_;
  ContainerOps& ops_;
  absl::optional<EventLoop> loop_;
  UniqueFd signal_fd_;
  UniqueFd listener_;
  absl::optional<CriLogWriter> log_;
  ProcessTable processes_;
  std::map<uint64_t, std::unique_ptr<Connection>> connections_;
  uint64_t next_connection_ = 1;
  // What Setup made, for Abandon and Teardown.
  bool wrote_pid_file_ = false;
  bool bound_socket_ = false;
  bool made_log_ = false;
  bool started_ = false;
  absl::Time started_at_ = absl::InfinitePast();
  bool shutdown_requested_ = false;
  absl::Time log_flush_at_ = absl::InfiniteFuture();
  // When to give back the memory that setup, requests and output touched
  // (see memory_trim.h): at once, and after each busy spell.
  absl::Time trim_at_ = absl::InfinitePast();
  // Once the init has exited: see ShimConfig::linger.
  absl::Time linger_until_ = absl::InfiniteFuture();
  absl::Time give_up_at_ = absl::InfiniteFuture();
};

}  // namespace crate::shim

#endif  // CRATE_RUNTIME_SHIM_SHIM_SERVER_H_
