#include "api/engine/process_stream.h"

#include <algorithm>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "runtime/shim/frames.h"
#include "runtime/shim/protocol.h"

namespace crate::engine {

absl::StatusOr<absl::optional<StreamFrame>> ProcessStream::Read(
    absl::Duration timeout) {
  if (!conn_)
    return absl::FailedPreconditionError("the process is not attached");
  if (exited_) return absl::FailedPreconditionError("the process has exited");
  absl::Time deadline = absl::Now() + timeout;
  for (;;) {
    absl::Duration left =
        std::max(deadline - absl::Now(), absl::ZeroDuration());
    absl::StatusOr<nlohmann::json> msg =
        shim::ReceiveMessage(conn_->fd(), left);
    if (!msg.ok()) {
      if (absl::IsDeadlineExceeded(msg.status())) return absl::nullopt;
      if (absl::IsUnavailable(msg.status())) {
        return absl::UnavailableError(
            "the container's shim went away before the process exited");
      }
      return msg.status();
    }
    if (msg->contains("exit") && (*msg)["exit"].is_number_integer()) {
      exited_ = true;
      StreamFrame f;
      f.kind = StreamFrame::Kind::kExit;
      f.exit_code = (*msg)["exit"].get<int>();
      return f;
    }
    if (msg->contains("stream") && (*msg)["stream"].is_string() &&
        msg->contains("data") && (*msg)["data"].is_string()) {
      StreamFrame f;
      f.kind = (*msg)["stream"] == "stderr" ? StreamFrame::Kind::kStderr
                                            : StreamFrame::Kind::kStdout;
      if (!absl::Base64Unescape((*msg)["data"].get_ref<const std::string&>(),
                                &f.data)) {
        return absl::DataLossError("the shim sent output that is not base64");
      }
      return f;
    }
    // What else arrives is the shim's answer to a frame it refused (a
    // resize without a terminal, stdin after its close): the process goes
    // on, so the stream does too.
  }
}

absl::Status ProcessStream::Send(const nlohmann::json& frame) {
  if (!conn_)
    return absl::FailedPreconditionError("the process is not attached");
  return shim::SendMessage(conn_->fd(), frame);
}

absl::Status ProcessStream::WriteStdin(absl::string_view data) {
  // Frames stay well under the message limit however much the client
  // sends at once.
  while (!data.empty()) {
    absl::string_view part = data.substr(0, shim::kMaxFrameData);
    data.remove_prefix(part.size());
    absl::Status s = Send({{"stdin", absl::Base64Escape(part)}});
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::Status ProcessStream::CloseStdin() { return Send({{"close", "stdin"}}); }

absl::Status ProcessStream::Resize(int rows, int cols) {
  return Send({{"resize", {rows, cols}}});
}

}  // namespace crate::engine
