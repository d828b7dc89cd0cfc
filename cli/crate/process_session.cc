#include "cli/crate/process_session.h"

#include <errno.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "cli/crate/client.h"
#include "cli/crate/detach_keys.h"
#include "cli/crate/signal_proxy.h"
#include "cli/crate/terminal.h"

namespace crate::cli {
namespace {

void WriteAll(int fd, const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // a closed pipe of ours: the output is dropped
    done += static_cast<size_t>(n);
  }
}

// What the stdin thread and the relay share; the thread may outlive the
// relay (a terminal's read does not return until a key is pressed).
struct Shared {
  std::shared_ptr<ProcessChannel> channel;
  std::mutex mu;
  bool over = false;  // the relay has returned: the thread sends nothing
  std::atomic<bool> detached{false};
};

void ForwardStdin(std::shared_ptr<Shared> shared, std::string detach_keys) {
  std::thread([shared, keys = std::move(detach_keys)] {
    DetachScanner scanner(keys);
    char buf[16 * 1024];
    std::string out;
    for (;;) {
      ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));
      if (n < 0 && errno == EINTR) continue;
      std::lock_guard<std::mutex> lock(shared->mu);
      if (shared->over) return;
      if (n <= 0) {
        shared->channel->CloseStdin();
        return;
      }
      out.clear();
      bool detach =
          scanner.Feed(absl::string_view(buf, static_cast<size_t>(n)), &out);
      if (!out.empty()) shared->channel->WriteStdin(out);
      if (detach) {
        shared->detached = true;
        shared->channel->Cancel();
        return;
      }
    }
  }).detach();
}

void SendOurSize(ProcessChannel& channel) {
  absl::optional<WindowSize> size = TerminalSize(STDOUT_FILENO);
  if (!size) size = TerminalSize(STDIN_FILENO);
  if (size) channel.Resize(size->rows, size->cols);
}

}  // namespace

template <>
bool ExecChannel::Read(ProcessOutput* out) {
  crate::v1::ExecResponse r;
  if (!stream_->Read(&r)) return false;
  *out = ProcessOutput();
  switch (r.what_case()) {
    case crate::v1::ExecResponse::kStdout:
      out->kind = ProcessOutput::Kind::kStdout;
      out->data = std::move(*r.mutable_stdout());
      break;
    case crate::v1::ExecResponse::kStderr:
      out->kind = ProcessOutput::Kind::kStderr;
      out->data = std::move(*r.mutable_stderr());
      break;
    case crate::v1::ExecResponse::kExitCode:
      out->kind = ProcessOutput::Kind::kExit;
      out->exit_code = r.exit_code();
      break;
    case crate::v1::ExecResponse::kPid:
      out->pid = r.pid();
      break;
    default:
      break;
  }
  return true;
}

template <>
bool AttachChannel::Read(ProcessOutput* out) {
  crate::v1::AttachResponse r;
  if (!stream_->Read(&r)) return false;
  *out = ProcessOutput();
  switch (r.what_case()) {
    case crate::v1::AttachResponse::kStdout:
      out->kind = ProcessOutput::Kind::kStdout;
      out->data = std::move(*r.mutable_stdout());
      break;
    case crate::v1::AttachResponse::kStderr:
      out->kind = ProcessOutput::Kind::kStderr;
      out->data = std::move(*r.mutable_stderr());
      break;
    case crate::v1::AttachResponse::kExitCode:
      out->kind = ProcessOutput::Kind::kExit;
      out->exit_code = r.exit_code();
      break;
    default:
      break;
  }
  return true;
}

std::shared_ptr<ExecChannel> OpenExec(crate::v1::Containers::Stub& stub) {
  std::unique_ptr<grpc::ClientContext> context = Client::Call(kNoDeadline);
  auto stream = stub.Exec(context.get());
  return std::make_shared<ExecChannel>(std::move(context), std::move(stream));
}

std::shared_ptr<AttachChannel> OpenAttach(crate::v1::Containers::Stub& stub) {
  std::unique_ptr<grpc::ClientContext> context = Client::Call(kNoDeadline);
  auto stream = stub.Attach(context.get());
  return std::make_shared<AttachChannel>(std::move(context), std::move(stream));
}

RelayResult Relay(std::shared_ptr<ProcessChannel> channel,
                  const RelayOptions& options) {
  auto shared = std::make_shared<Shared>();
  shared->channel = channel;
  absl::optional<WindowChanges> resizes;
  if (options.tty) {
    resizes.emplace([shared] {
      std::lock_guard<std::mutex> lock(shared->mu);
      if (!shared->over) SendOurSize(*shared->channel);
    });
    SendOurSize(*channel);
  }
  if (options.send_stdin) {
    ForwardStdin(shared, options.detach_keys);
  } else if (!options.tty) {
    // Nothing more to send: the service may then end the call with its
    // own status if the shim goes away.
    channel->WritesDone();
  }

  RelayResult result;
  ProcessOutput out;
  while (channel->Read(&out)) {
    if (out.kind == ProcessOutput::Kind::kStdout) {
      WriteAll(STDOUT_FILENO, out.data);
    } else if (out.kind == ProcessOutput::Kind::kStderr) {
      WriteAll(STDERR_FILENO, out.data);
    } else if (out.kind == ProcessOutput::Kind::kExit) {
      result.end = RelayResult::End::kExited;
      result.exit_code = out.exit_code;
      break;
    }
  }
  {
    std::lock_guard<std::mutex> lock(shared->mu);
    shared->over = true;
  }
  resizes.reset();
  channel->WritesDone();
  if (result.end == RelayResult::End::kExited) {
    // The exit code is the answer; the call's end adds nothing to it.
    channel->Cancel();
    return result;
  }
  if (shared->detached) {
    channel->Cancel();
    result.end = RelayResult::End::kDetached;
    return result;
  }
  result.status = channel->Finish();
  return result;
}

}  // namespace crate::cli
