// A container's process relayed to this terminal: its output on ours, our
// input to it, our window's size to its terminal, docker's detach keys,
// until it exits, we detach, or the call breaks. Exec and Attach calls are
// both a ProcessChannel, so run, start, attach and exec share one relay.
#ifndef CRATE_CLI_CRATE_PROCESS_SESSION_H_
#define CRATE_CLI_CRATE_PROCESS_SESSION_H_

#include <grpcpp/client_context.h>
#include <grpcpp/support/status.h>
#include <grpcpp/support/sync_stream.h>

#include <memory>
#include <mutex>
#include <string>

#include "api/proto/crate/v1/containers.grpc.pb.h"

namespace crate::cli {

struct ProcessOutput {
  enum class Kind { kStdout, kStderr, kExit, kOther };
  Kind kind = Kind::kOther;
  std::string data;
  int exit_code = 0;
  int pid = 0;  // kOther of an exec: its pid
};

// One call's stream of a process. The writes may come from any thread
// (they are serialised here) and none goes out after WritesDone; Read is
// the caller's thread's.
class ProcessChannel {
 public:
  virtual ~ProcessChannel() = default;
  virtual void WriteStdin(const std::string& data) = 0;
  virtual void CloseStdin() = 0;
  virtual void Resize(int rows, int cols) = 0;
  virtual void WritesDone() = 0;
  // The next message; false at the stream's end.
  virtual bool Read(ProcessOutput* out) = 0;
  virtual grpc::Status Finish() = 0;
  virtual void Cancel() = 0;
};

// The channel of an Exec or Attach call (Request/Response are
// ExecRequest/ExecResponse or AttachRequest/AttachResponse).
template <typename Request, typename Response>
class StreamChannel : public ProcessChannel {
 public:
  using Stream = grpc::ClientReaderWriter<Request, Response>;
  StreamChannel(std::unique_ptr<grpc::ClientContext> context,
                std::unique_ptr<Stream> stream)
      : context_(std::move(context)), stream_(std::move(stream)) {}

  // The first message (start), before anything else is written.
  bool Start(const Request& start) {
    std::lock_guard<std::mutex> lock(mu_);
    return stream_->Write(start);
  }
  void WriteStdin(const std::string& data) override {
    Request r;
    r.set_stdin(data);
    Write(r);
  }
  void CloseStdin() override {
    Request r;
    r.set_close_stdin(true);
    Write(r);
  }
  void Resize(int rows, int cols) override {
    Request r;
    r.mutable_resize()->set_rows(static_cast<uint32_t>(rows));
    r.mutable_resize()->set_cols(static_cast<uint32_t>(cols));
    Write(r);
  }
  void WritesDone() override {
    std::lock_guard<std::mutex> lock(mu_);
    if (!done_) stream_->WritesDone();
    done_ = true;
  }
  bool Read(ProcessOutput* out) override;
  grpc::Status Finish() override { return stream_->Finish(); }
  void Cancel() override { context_->TryCancel(); }

 private:
  void Write(const Request& r) {
    std::lock_guard<std::mutex> lock(mu_);
    if (!done_) stream_->Write(r);
  }

  std::unique_ptr<grpc::ClientContext> context_;
  std::unique_ptr<Stream> stream_;
  std::mutex mu_;
  bool done_ = false;
};

using ExecChannel =
    StreamChannel<crate::v1::ExecRequest, crate::v1::ExecResponse>;
using AttachChannel =
    StreamChannel<crate::v1::AttachRequest, crate::v1::AttachResponse>;
template <>
bool ExecChannel::Read(ProcessOutput* out);
template <>
bool AttachChannel::Read(ProcessOutput* out);

// Opens the calls (no deadline: they last as long as the process).
std::shared_ptr<ExecChannel> OpenExec(crate::v1::Containers::Stub& stub);
std::shared_ptr<AttachChannel> OpenAttach(crate::v1::Containers::Stub& stub);

struct RelayOptions {
  bool send_stdin = false;  // our stdin to the process; its close at our EOF
  bool tty = false;         // the process has a terminal: resizes follow ours
  std::string detach_keys;  // ParseDetachKeys's; empty: none
};

struct RelayResult {
  enum class End { kExited, kDetached, kBroken };
  End end = End::kBroken;
  int exit_code = 0;    // kExited
  grpc::Status status;  // kBroken: how the call ended
};

// Relays until the process exits, the detach keys are typed, or the call
// ends. With a terminal, the caller has put ours in raw mode; the first
// resize (our size now) is sent here.
RelayResult Relay(std::shared_ptr<ProcessChannel> channel,
                  const RelayOptions& options);

}  // namespace crate::cli

#endif  // CRATE_CLI_CRATE_PROCESS_SESSION_H_
