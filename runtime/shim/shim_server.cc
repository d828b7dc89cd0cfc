#include "runtime/shim/shim_server.h"

#include <errno.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "runtime/base/errno_status.h"
#include "runtime/base/file_util.h"
#include "runtime/base/status_macros.h"
#include "runtime/shim/control_socket.h"
#include "runtime/shim/frames.h"
#include "runtime/shim/protocol.h"
#include "runtime/shim/shim_pid_file.h"

namespace crate::shim {
namespace {

// Reads of one output fd per round of the loop, and messages of one
// connection: a flooding process or client cannot starve the others.
constexpr int kReadsPerRound = 4;
constexpr int kMessagesPerRound = 16;
// What is read of a process's output once it has exited: what it wrote
// last, but not for ever from a child it left writing.
constexpr int kDrainReads = 256;
constexpr int kAcceptsPerRound = 16;
// Quiet time before memory is trimmed again: a burst of requests or output
// shares the code it faults in.
constexpr absl::Duration kTrimDelay = absl::Seconds(1);

std::string PidFilePath(const ShimConfig& c) {
  return JoinPath(c.shim_dir, "shim.pid");
}
std::string SocketPath(const ShimConfig& c) {
  return JoinPath(c.shim_dir, "shim.sock");
}

}  // namespace

ShimServer::ShimServer(const ShimConfig& config, ContainerOps& ops)
    : config_(config), ops_(ops) {}

ShimServer::~ShimServer() = default;

absl::StatusOr<pid_t> ShimServer::Setup() {
  // Writes to a pipe whose reader is gone must fail, not kill the shim.
  signal(SIGPIPE, SIG_IGN);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGCHLD);
  if (sigprocmask(SIG_BLOCK, &set, nullptr) != 0) {
    return ErrnoStatus("sigprocmask SIGCHLD");
  }
  signal_fd_.Reset(signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC));
  if (!signal_fd_) return ErrnoStatus("signalfd SIGCHLD");
  ASSIGN_OR_RETURN(EventLoop loop, EventLoop::Create());
  loop_.emplace(std::move(loop));
  ASSIGN_OR_RETURN(ProcessIo io,
                   ProcessIo::Make(config_.tty, config_.open_stdin));
  ASSIGN_OR_RETURN(pid_t pid, ops_.Create(io.child_stdio(), io.console_fd()));
  ShimProcess* init = processes_.Add("", pid);
  init->io = std::move(io);
  absl::Status s = FinishSetup(*init);
  if (!s.ok()) {
    Abandon(pid);
    return s;
  }
  return pid;
}

absl::Status ShimServer::FinishSetup(ShimProcess& init) {
  absl::Status s = init.io.Created();
  if (!s.ok()) return Annotate(s, "--tty");
  made_log_ = !PathExists(config_.log_path);
  ASSIGN_OR_RETURN(CriLogWriter log,
                   CriLogWriter::Open(config_.log_path, config_.log_max));
  log_.emplace(std::move(log));
  RETURN_IF_ERROR(WriteShimPidFile(PidFilePath(config_),
                                   {getpid(), ProcessStartTime(getpid())}));
  wrote_pid_file_ = true;
  ASSIGN_OR_RETURN(listener_, ListenControlSocket(SocketPath(config_)));
  bound_socket_ = true;
  RETURN_IF_ERROR(
      loop_->Add(signal_fd_.get(), EPOLLIN, [this](uint32_t) { OnSignal(); })
          .status());
  RETURN_IF_ERROR(
      loop_->Add(listener_.get(), EPOLLIN, [this](uint32_t) { OnAccept(); })
          .status());
  return WatchIo(init);
}

void ShimServer::Abandon(pid_t init) {
  // The init is ours (child, or orphan of an intermediate we reap as the
  // subreaper): kill it before the runtime removes its record.
  kill(init, SIGKILL);
  ops_.Delete().IgnoreError();
  while (waitpid(init, nullptr, 0) < 0 && errno == EINTR) {
  }
  if (bound_socket_) unlink(SocketPath(config_).c_str());
  if (wrote_pid_file_) unlink(PidFilePath(config_).c_str());
  struct stat st;
  if (made_log_ && stat(config_.log_path.c_str(), &st) == 0 &&
      st.st_size == 0) {
    unlink(config_.log_path.c_str());
  }
}

absl::Status ShimServer::WatchIo(ShimProcess& p) {
  std::string id = p.exec_id;
  if (p.io.tty()) {
    // One fd for output and input: one registration.
    ASSIGN_OR_RETURN(
        p.stdout_token,
        loop_->Add(p.io.stdout_fd(), EPOLLIN, [this, id](uint32_t ev) {
          if (ev & EPOLLOUT) OnStdinWritable(id);
          if (ev & ~static_cast<uint32_t>(EPOLLOUT)) {
            OnOutput(id, Stream::kStdout, ev);
          }
        }));
    p.stdin_token = p.stdout_token;
    return absl::OkStatus();
  }
  ASSIGN_OR_RETURN(
      p.stdout_token,
      loop_->Add(p.io.stdout_fd(), EPOLLIN, [this, id](uint32_t ev) {
        OnOutput(id, Stream::kStdout, ev);
      }));
  ASSIGN_OR_RETURN(
      p.stderr_token,
      loop_->Add(p.io.stderr_fd(), EPOLLIN, [this, id](uint32_t ev) {
        OnOutput(id, Stream::kStderr, ev);
      }));
  if (p.io.stdin_fd() >= 0) {
    // Watched only while bytes wait for the process to read them.
    ASSIGN_OR_RETURN(p.stdin_token,
                     loop_->Add(p.io.stdin_fd(), 0,
                                [this, id](uint32_t) { OnStdinWritable(id); }));
  }
  return absl::OkStatus();
}

void ShimServer::OnSignal() {
  struct signalfd_siginfo info;
  while (read(signal_fd_.get(), &info, sizeof(info)) == sizeof(info)) {
  }
  Reap();
}

void ShimServer::Reap() {
  // Signals of several children merge into one: reap until none is left.
  // Orphans of the container (re-parented to the subreaper) are reaped
  // and forgotten.
  while (true) {
    int wstatus = 0;
    pid_t pid = waitpid(-1, &wstatus, WNOHANG);
    if (pid < 0 && errno == EINTR) continue;
    if (pid <= 0) return;
    ShimProcess* p = processes_.FindRunning(pid);
    if (p != nullptr) ProcessExited(*p, wstatus);
  }
}

void ShimServer::ProcessExited(ShimProcess& p, int wstatus) {
  p.exit = FromWaitStatus(wstatus, absl::Now());
  // What it wrote last. A child it left behind may hold the pipes open:
  // they are closed all the same.
  for (Stream s : {Stream::kStdout, Stream::kStderr}) {
    if (ReadOutput(p, s, kDrainReads)) CloseOutput(p, s);
  }
  loop_->Remove(p.stdin_token);
  p.stdin_token = 0;
  p.io = ProcessIo();
  processes_.Exited(p);
  if (p.is_init()) InitExited(p);
  nlohmann::json response = ExitResponse(p.exit);
  for (uint64_t id : p.waiters) {
    auto it = connections_.find(id);
    if (it != connections_.end() && !it->second->broken) {
      Send(*it->second, response);
    }
  }
  p.waiters.clear();
  nlohmann::json frame = ExitFrame(p.exit.exit_code);
  for (auto& [id, c] : connections_) {
    if (!c->attached || c->exec_id != p.exec_id || c->broken) continue;
    Send(*c, frame);
    // Its stdin has nowhere to go now: read (and drop) what the client
    // sends, so that its end is seen.
    if (c->paused) {
      c->paused = false;
      UpdateInterest(*c);
    }
  }
}

void ShimServer::InitExited(ShimProcess& init) {
  log_->Flush().IgnoreError();
  log_flush_at_ = absl::InfiniteFuture();
  init.exit.oom_killed = ops_.OomKilled();
  // Neither failure has anyone to be told: a missing exit file tells a
  // fresh crated that the shim died before writing it.
  WriteExitFile(config_.exit_file, init.exit).IgnoreError();
  ops_.Delete().IgnoreError();
  absl::Time now = absl::Now();
  linger_until_ = now + config_.linger;
  give_up_at_ = now + config_.max_linger;
}

void ShimServer::OnOutput(const std::string& exec_id, Stream stream,
                          uint32_t events) {
  ShimProcess* p = processes_.Find(exec_id);
  if (p != nullptr) ReadOutput(*p, stream, kReadsPerRound);
}

bool ShimServer::ReadOutput(ShimProcess& p, Stream stream, int rounds) {
  int fd = stream == Stream::kStdout ? p.io.stdout_fd() : p.io.stderr_fd();
  if (fd < 0) return false;
  // On the stack, whose unused pages a trim gives back (memory_trim.h).
  char buf[kMaxFrameData];
  for (int i = 0; i < rounds; ++i) {
    ssize_t n = ProcessIo::Read(fd, buf, sizeof(buf));
    if (n == 0) return true;
    if (n < 0) {
      CloseOutput(p, stream);
      return false;
    }
    Deliver(p, stream, absl::string_view(buf, static_cast<size_t>(n)));
  }
  return true;
}

void ShimServer::Deliver(ShimProcess& p, Stream stream,
                         absl::string_view data) {
  if (p.is_init()) {
    absl::Time now = absl::Now();
    // On error the writer drops the bytes: the container must not wait
    // for its log, and there is nobody to tell.
    log_->Write(stream, data.data(), data.size(), now).IgnoreError();
    log_flush_at_ = now + config_.log_flush_delay;
  }
  std::string frame = StreamFrame(StreamName(stream), data);
  for (auto& [id, c] : connections_) {
    if (!c->attached || c->broken || c->exec_id != p.exec_id) continue;
    if (stream == Stream::kStdout ? c->out : c->err) SendOutput(*c, frame);
  }
  if (!p.is_init() && !p.attached_once) {
    ProcessTable::Hold(p, stream, std::move(frame));
  }
}

void ShimServer::CloseOutput(ShimProcess& p, Stream stream) {
  if (stream == Stream::kStdout) {
    loop_->Remove(p.stdout_token);
    p.stdout_token = 0;
    if (p.io.tty()) p.stdin_token = 0;  // the same registration
    p.io.CloseStdout();
  } else {
    loop_->Remove(p.stderr_token);
    p.stderr_token = 0;
    p.io.CloseStderr();
  }
  // The stream's unfinished line is as finished as it will be.
  if (p.is_init()) log_->Flush().IgnoreError();
}

void ShimServer::OnStdinWritable(const std::string& exec_id) {
  ShimProcess* p = processes_.Find(exec_id);
  if (p != nullptr && !p->exited) PumpStdin(*p);
}

void ShimServer::PumpStdin(ShimProcess& p) {
  bool pending = p.io.WriteStdin();
  if (p.io.stdin_finishing()) {
    if (!p.io.tty()) {
      loop_->Remove(p.stdin_token);
      p.stdin_token = 0;
    }
    p.io.FinishStdin();
  }
  if (p.stdin_token != 0) {
    uint32_t events = pending ? uint32_t{EPOLLOUT} : 0;
    if (p.io.tty()) events |= EPOLLIN;
    loop_->Modify(p.stdin_token, events).IgnoreError();
  }
  // The writers wait (unread) while the process has too much to read.
  bool full = p.io.stdin_queued() >= ProcessIo::kMaxQueuedStdin;
  for (auto& [id, c] : connections_) {
    if (c->attached && c->in && c->exec_id == p.exec_id && c->paused != full) {
      c->paused = full;
      UpdateInterest(*c);
    }
  }
}

void ShimServer::OnAccept() {
  for (int i = 0; i < kAcceptsPerRound; ++i) {
    UniqueFd fd(accept4(listener_.get(), nullptr, nullptr,
                        SOCK_NONBLOCK | SOCK_CLOEXEC));
    if (!fd) return;
    auto c = std::make_unique<Connection>();
    c->id = next_connection_++;
    uint64_t id = c->id;
    absl::StatusOr<EventLoop::Token> token = loop_->Add(
        fd.get(), EPOLLIN, [this, id](uint32_t ev) { OnConnection(id, ev); });
    if (!token.ok()) continue;
    c->fd = std::move(fd);
    c->token = *token;
    connections_.emplace(id, std::move(c));
  }
}

void ShimServer::OnConnection(uint64_t id, uint32_t events) {
  auto it = connections_.find(id);
  if (it == connections_.end() || it->second->broken) return;
  Connection& c = *it->second;
  // Reported whatever is watched: noted, so that a paused connection is
  // not woken for it again and again.
  if (events & (EPOLLHUP | EPOLLERR)) c.hung_up = true;
  if ((events & EPOLLOUT) && !c.hung_up && !c.outbox.Flush(c.fd.get())) {
    c.broken = true;
    return;
  }
  if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
    bool retried = false;
    for (int i = 0; i < kMessagesPerRound && !c.broken && !c.paused; ++i) {
      absl::StatusOr<nlohmann::json> msg =
          ReceiveMessage(c.fd.get(), absl::ZeroDuration());
      if (absl::IsDeadlineExceeded(msg.status())) break;
      if (absl::IsDataLoss(msg.status())) {
        Send(c,
             ErrorResponse(absl::InvalidArgumentError(msg.status().message())));
        continue;
      }
      // A client that closed with frames of ours unread leaves ECONNRESET,
      // which the kernel reports once, before the messages it sent last
      // (stdin, its close): read once more before taking it for the end.
      if (absl::IsUnavailable(msg.status()) && !retried) {
        retried = true;
        continue;
      }
      if (!msg.ok()) {  // the client has gone
        c.broken = true;
        break;
      }
      if (c.attached) {
        HandleFrame(c, *msg);
      } else {
        HandleRequest(c, *msg);
      }
    }
  }
  if (!c.broken) UpdateInterest(c);
}

void ShimServer::Send(Connection& c, const nlohmann::json& msg) {
  if (c.broken) return;
  if (!c.outbox.Send(c.fd.get(), SerializeMessage(msg),
                     Outbox::Kind::kControl)) {
    c.broken = true;
    return;
  }
  UpdateInterest(c);
}

void ShimServer::SendOutput(Connection& c, std::string frame) {
  if (!c.outbox.Send(c.fd.get(), std::move(frame), Outbox::Kind::kOutput)) {
    c.broken = true;
    return;
  }
  UpdateInterest(c);
}

void ShimServer::UpdateInterest(Connection& c) {
  // A paused connection that hung up is not watched at all until resumed
  // (epoll would report the hang-up for ever); a resumed one is read to
  // its end, which closes it.
  uint32_t events = (c.paused ? 0 : uint32_t{EPOLLIN}) |
                    (c.outbox.empty() || c.hung_up ? 0 : uint32_t{EPOLLOUT});
  loop_->Modify(c.token, events).IgnoreError();
}

void ShimServer::CloseBroken() {
  for (auto it = connections_.begin(); it != connections_.end();) {
    if (!it->second->broken) {
      ++it;
      continue;
    }
    loop_->Remove(it->second->token);
    it = connections_.erase(it);
  }
}

bool ShimServer::Done(absl::Time now) const {
  const ShimProcess* init = processes_.Find("");
  if (init == nullptr || !init->exited) return false;
  if (now >= give_up_at_) return true;
  if (processes_.AnyExecRunning()) return false;
  for (const auto& [id, c] : connections_) {
    if (c->attached || !c->outbox.empty()) return false;
  }
  return shutdown_requested_ || now >= linger_until_;
}

absl::Time ShimServer::NextDeadline() const {
  return std::min({log_flush_at_, trim_at_, linger_until_, give_up_at_});
}

void ShimServer::Serve() {
  while (true) {
    absl::Time now = absl::Now();
    if (now >= log_flush_at_) {
      log_->Flush().IgnoreError();
      log_flush_at_ = absl::InfiniteFuture();
    }
    if (Done(now)) break;
    // Fails only for a bad epoll fd or buffer, which a retry cannot mend;
    // the deadlines still end the loop, and it does not spin meanwhile.
    // Trimmed at the last moment before the loop sleeps: see memory_trim.h.
    bool trim = now >= trim_at_;
    if (trim) trim_at_ = absl::InfiniteFuture();
    absl::StatusOr<int> handled = loop_->RunOnce(NextDeadline(), trim);
    if (!handled.ok()) {
      absl::SleepFor(absl::Milliseconds(10));
    } else if (*handled > 0) {
      trim_at_ = absl::Now() + kTrimDelay;
    }
    CloseBroken();
  }
  Teardown();
}

void ShimServer::Teardown() {
  for (auto& [id, c] : connections_) loop_->Remove(c->token);
  connections_.clear();
  if (bound_socket_) unlink(SocketPath(config_).c_str());
  if (wrote_pid_file_) unlink(PidFilePath(config_).c_str());
}

}  // namespace crate::shim
