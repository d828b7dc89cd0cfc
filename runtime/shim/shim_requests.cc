// The requests a shim answers and the frames of attached clients
// (docs/SERVICE.md, "The crated <-> shim protocol").
#include <signal.h>

#include "absl/strings/str_cat.h"
#include "runtime/base/status_macros.h"
#include "runtime/shim/frames.h"
#include "runtime/shim/protocol.h"
#include "runtime/shim/requests.h"
#include "runtime/shim/shim_server.h"
#include "runtime/shim/timestamp.h"

namespace crate::shim {
namespace {

using json = nlohmann::json;

// The request, which must name this shim's container.
template <typename Request>
absl::StatusOr<Request> Parse(const json& msg, const std::string& id) {
  ASSIGN_OR_RETURN(Request r, Request::FromJson(msg));
  if (r.container != id) {
    return absl::NotFoundError(absl::StrCat("no container \"", r.container,
                                            "\" in the shim of \"", id, "\""));
  }
  return r;
}

absl::Status NoStdin(const std::string& exec_id) {
  return absl::FailedPreconditionError(
      exec_id.empty()
          ? std::string("the container's process takes no stdin (started "
                        "without --stdin)")
          : absl::StrCat("process \"", exec_id,
                         "\" takes no stdin (exec'd without \"stdin\")"));
}

}  // namespace

json ShimServer::ExitResponse(const ExitStatus& exit) {
  json r = OkResponse();
  r["exit_code"] = exit.exit_code;
  r["signal"] = exit.signal;
  r["oom_killed"] = exit.oom_killed;
  r["finished_at"] = FormatTimestamp(exit.finished_at);
  if (!exit.reason.empty()) r["reason"] = exit.reason;
  return r;
}

void ShimServer::HandleRequest(Connection& c, const json& msg) {
  absl::StatusOr<std::string> op = RequestOp(msg);
  if (!op.ok()) {
    Send(c, ErrorResponse(op.status()));
    return;
  }
  absl::optional<json> response = Dispatch(c, *op, msg);
  if (response) Send(c, *response);
}

absl::optional<json> ShimServer::Dispatch(Connection& c, const std::string& op,
                                          const json& msg) {
  if (op == StateRequest::kOp) return State(msg);
  if (op == StartRequest::kOp) return Start(msg);
  if (op == KillRequest::kOp) return Kill(msg);
  if (op == ExecRequest::kOp) return Exec(msg);
  if (op == ResizeRequest::kOp) return Resize(msg);
  if (op == WaitRequest::kOp) return Wait(c, msg);
  if (op == AttachRequest::kOp) return Attach(c, msg);
  if (op == ShutdownRequest::kOp) return Shutdown(msg);
  return ErrorResponse(
      absl::InvalidArgumentError(absl::StrCat("unknown op \"", op, "\"")));
}

absl::Status ShimServer::CheckRunning() {
  if (!processes_.init().exited) return absl::OkStatus();
  return absl::FailedPreconditionError(
      absl::StrCat("container \"", config_.id, "\" has exited"));
}

absl::StatusOr<ShimProcess*> ShimServer::FindProcess(
    const std::string& exec_id) {
  ShimProcess* p = processes_.Find(exec_id);
  if (p == nullptr) {
    return absl::NotFoundError(absl::StrCat("no process with exec id \"",
                                            exec_id, "\" in container \"",
                                            config_.id, "\""));
  }
  return p;
}

json ShimServer::State(const json& msg) {
  absl::StatusOr<StateRequest> r = Parse<StateRequest>(msg, config_.id);
  if (!r.ok()) return ErrorResponse(r.status());
  const ShimProcess& init = processes_.init();
  json out;
  if (init.exited) {
    out = ExitResponse(init.exit);
    out["status"] = "stopped";
  } else {
    out = OkResponse();
    absl::StatusOr<std::string> status = ops_.Status();
    // The runtime knows "paused"; without its record, the shim's own view.
    out["status"] =
        status.ok() ? *status : std::string(started_ ? "running" : "created");
  }
  out["pid"] = init.pid;
  if (started_) out["started_at"] = FormatTimestamp(started_at_);
  return out;
}

json ShimServer::Start(const json& msg) {
  absl::StatusOr<StartRequest> r = Parse<StartRequest>(msg, config_.id);
  absl::Status s = r.ok() ? CheckRunning() : r.status();
  if (s.ok()) s = ops_.Start();
  if (!s.ok()) return ErrorResponse(s);
  started_ = true;
  started_at_ = absl::Now();
  return OkResponse();
}

json ShimServer::Kill(const json& msg) {
  absl::StatusOr<KillRequest> r = Parse<KillRequest>(msg, config_.id);
  absl::Status s = r.ok() ? CheckRunning() : r.status();
  if (s.ok()) s = ops_.Kill(r->signal, r->all);
  return ErrorResponse(s);
}

json ShimServer::Exec(const json& msg) {
  absl::StatusOr<ExecRequest> r = Parse<ExecRequest>(msg, config_.id);
  absl::Status s = r.ok() ? CheckRunning() : r.status();
  if (s.ok() && processes_.Find(r->exec_id) != nullptr) {
    s = absl::AlreadyExistsError(
        absl::StrCat("exec id \"", r->exec_id, "\" is in use"));
  }
  if (!s.ok()) return ErrorResponse(s);
  absl::StatusOr<ProcessIo> io = ProcessIo::Make(r->tty, r->open_stdin);
  if (!io.ok()) return ErrorResponse(io.status());
  json process = r->process;
  process["terminal"] = r->tty;  // the request's word, not the document's
  absl::StatusOr<pid_t> pid =
      ops_.Exec(process, io->child_stdio(), io->console_fd());
  if (!pid.ok()) return ErrorResponse(pid.status());
  s = io->Created();
  ShimProcess* p = processes_.Add(r->exec_id, *pid);
  p->io = *std::move(io);
  if (s.ok()) s = WatchIo(*p);
  if (!s.ok()) {
    // Reaped like any other: its exit is then that of a killed process.
    kill(*pid, SIGKILL);
    return ErrorResponse(s);
  }
  json out = OkResponse();
  out["pid"] = *pid;
  return out;
}

json ShimServer::Resize(const json& msg) {
  absl::StatusOr<ResizeRequest> r = Parse<ResizeRequest>(msg, config_.id);
  if (!r.ok()) return ErrorResponse(r.status());
  absl::StatusOr<ShimProcess*> p = FindProcess(r->exec_id);
  if (!p.ok()) return ErrorResponse(p.status());
  if ((*p)->exited) {
    return ErrorResponse(
        absl::FailedPreconditionError("the process has exited"));
  }
  return ErrorResponse((*p)->io.Resize(r->rows, r->cols));
}

absl::optional<json> ShimServer::Wait(Connection& c, const json& msg) {
  absl::StatusOr<WaitRequest> r = Parse<WaitRequest>(msg, config_.id);
  if (!r.ok()) return ErrorResponse(r.status());
  absl::StatusOr<ShimProcess*> p = FindProcess(r->exec_id);
  if (!p.ok()) return ErrorResponse(p.status());
  if ((*p)->exited) return ExitResponse((*p)->exit);
  (*p)->waiters.push_back(c.id);
  return absl::nullopt;
}

absl::optional<json> ShimServer::Attach(Connection& c, const json& msg) {
  absl::StatusOr<AttachRequest> r = Parse<AttachRequest>(msg, config_.id);
  if (!r.ok()) return ErrorResponse(r.status());
  absl::StatusOr<ShimProcess*> found = FindProcess(r->exec_id);
  if (!found.ok()) return ErrorResponse(found.status());
  ShimProcess& p = **found;
  if (r->attach_stdin && !p.exited && !p.io.has_stdin()) {
    return ErrorResponse(NoStdin(r->exec_id));
  }
  Send(c, OkResponse());
  c.attached = true;
  c.exec_id = r->exec_id;
  c.in = r->attach_stdin;
  c.out = r->attach_stdout;
  c.err = r->attach_stderr;
  // An exec's output from before the first attach.
  for (auto& [stream, frame] : p.held) {
    if (stream == Stream::kStdout ? c.out : c.err) {
      SendOutput(c, std::move(frame));
    }
  }
  p.held.clear();
  p.held_bytes = 0;
  p.attached_once = true;
  if (p.exited) Send(c, ExitFrame(p.exit.exit_code));
  return absl::nullopt;
}

json ShimServer::Shutdown(const json& msg) {
  absl::StatusOr<ShutdownRequest> r = Parse<ShutdownRequest>(msg, config_.id);
  if (!r.ok()) return ErrorResponse(r.status());
  shutdown_requested_ = true;
  return OkResponse();
}

void ShimServer::HandleFrame(Connection& c, const json& msg) {
  absl::StatusOr<ClientFrame> f = ParseClientFrame(msg);
  if (!f.ok()) {
    Send(c, ErrorResponse(f.status()));
    return;
  }
  ShimProcess* p = processes_.Find(c.exec_id);
  // Too late: the exit frame has told the client, or is on its way.
  if (p == nullptr || p->exited) return;
  switch (f->kind) {
    case ClientFrame::Kind::kStdin:
    case ClientFrame::Kind::kCloseStdin:
      if (!c.in) {
        Send(c, ErrorResponse(
                    absl::FailedPreconditionError("attached without stdin")));
        return;
      }
      if (f->kind == ClientFrame::Kind::kStdin) {
        p->io.QueueStdin(f->data);
      } else {
        p->io.CloseStdin();
      }
      PumpStdin(*p);
      return;
    case ClientFrame::Kind::kResize: {
      absl::Status s = p->io.Resize(f->rows, f->cols);
      if (!s.ok()) Send(c, ErrorResponse(s));
      return;
    }
  }
}

}  // namespace crate::shim
