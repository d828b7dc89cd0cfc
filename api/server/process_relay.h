// The two halves of a process's stream between a gRPC call and the engine,
// shared by Exec and Attach (whose messages have the same oneof cases):
// the client's stdin, close and resizes forwarded on a thread of their own,
// and the process's output and exit written back until the exit.
#ifndef CRATE_API_SERVER_PROCESS_RELAY_H_
#define CRATE_API_SERVER_PROCESS_RELAY_H_

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "absl/time/time.h"
#include "api/engine/process_stream.h"
#include "api/server/status_convert.h"
#include "grpcpp/grpcpp.h"

namespace crate::server {

// The client's half, read on a thread of its own (the sync API's Read
// blocks) and forwarded to the process. It ends when the client
// half-closes or the call ends; Finish makes the call end if the client
// does neither once the process has exited.
template <typename Request, typename Response>
class ProcessInput {
 public:
  ProcessInput(grpc::ServerContext* context,
               grpc::ServerReaderWriter<Response, Request>* stream,
               engine::ProcessStream* process)
      : context_(context), thread_([this, stream, process] {
          Request request;
          while (stream->Read(&request)) {
            switch (request.what_case()) {
              case Request::kStdin:
                process->WriteStdin(request.stdin()).IgnoreError();
                break;
              case Request::kCloseStdin:
                if (request.close_stdin()) process->CloseStdin().IgnoreError();
                break;
              case Request::kResize:
                process
                    ->Resize(static_cast<int>(request.resize().rows()),
                             static_cast<int>(request.resize().cols()))
                    .IgnoreError();
                break;
              default:
                break;  // a second start means nothing
            }
          }
          std::lock_guard<std::mutex> lock(mu_);
          done_ = true;
          cv_.notify_all();
        }) {}

  ~ProcessInput() { Finish(); }

  // Waits a little for the client to half-close (a well-behaved one does
  // on the exit code), then cancels the call so that its Read returns.
  void Finish() {
    if (!thread_.joinable()) return;
    {
      std::unique_lock<std::mutex> lock(mu_);
      if (!cv_.wait_for(lock, std::chrono::seconds(2),
                        [this] { return done_; })) {
        context_->TryCancel();
      }
    }
    thread_.join();
  }

 private:
  grpc::ServerContext* context_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
  std::thread thread_;  // last: it uses the members above
};

// Relays the process's output and exit code to the client, with its input
// forwarded meanwhile, until the exit (OK), the client's going (CANCELLED;
// the process runs on) or the shim's (its status).
template <typename Request, typename Response>
grpc::Status RelayProcess(grpc::ServerContext* context,
                          grpc::ServerReaderWriter<Response, Request>* stream,
                          engine::ProcessStream* process) {
  ProcessInput<Request, Response> input(context, stream, process);
  Response response;
  for (;;) {
    if (context->IsCancelled()) return grpc::Status::CANCELLED;
    // Short waits, so that a client's cancel is seen while the process is
    // quiet.
    absl::StatusOr<absl::optional<engine::StreamFrame>> frame =
        process->Read(absl::Milliseconds(200));
    if (!frame.ok()) return ToGrpcStatus(frame.status());
    if (!frame->has_value()) continue;
    const engine::StreamFrame& f = **frame;
    response.Clear();
    switch (f.kind) {
      case engine::StreamFrame::Kind::kStdout:
        response.set_stdout(f.data);
        break;
      case engine::StreamFrame::Kind::kStderr:
        response.set_stderr(f.data);
        break;
      case engine::StreamFrame::Kind::kExit:
        response.set_exit_code(f.exit_code);
        break;
    }
    if (!stream->Write(response)) return grpc::Status::CANCELLED;
    if (f.kind == engine::StreamFrame::Kind::kExit) break;
  }
  input.Finish();
  return grpc::Status::OK;
}

}  // namespace crate::server

#endif  // CRATE_API_SERVER_PROCESS_RELAY_H_
