// One process's stream (an exec'd process, or the container's own when
// attached), as crated's handlers see it: the frames the shim sends an
// attached connection (docs/SERVICE.md) turned into typed output, and
// stdin, its close and resizes sent back. No gRPC here: the server reads
// and writes this from its handler threads.
#ifndef CRATE_API_ENGINE_PROCESS_STREAM_H_
#define CRATE_API_ENGINE_PROCESS_STREAM_H_

#include <sys/types.h>

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/optional.h"
#include "api/engine/shim_client.h"

namespace crate::engine {

struct StreamFrame {
  enum class Kind { kStdout, kStderr, kExit };
  Kind kind = Kind::kStdout;
  std::string data;   // kStdout, kStderr
  int exit_code = 0;  // kExit: the last frame
};

class ProcessStream {
 public:
  // A detached exec: its pid and nothing to read.
  ProcessStream(std::string exec_id, pid_t pid)
      : exec_id_(std::move(exec_id)), pid_(pid) {}
  // A process whose output `attached` (answered attach) carries; the
  // container's own has the exec_id "".
  ProcessStream(std::string exec_id, pid_t pid, ShimConnection attached)
      : exec_id_(std::move(exec_id)), pid_(pid), conn_(std::move(attached)) {}

  const std::string& exec_id() const { return exec_id_; }
  pid_t pid() const { return pid_; }
  bool attached() const { return conn_.has_value(); }

  // The next frame, or nullopt when none came within `timeout` (so that a
  // caller can check on its own client between frames). Unavailable when
  // the shim went away before the exit frame; FailedPrecondition once the
  // exit frame was read or when not attached.
  absl::StatusOr<absl::optional<StreamFrame>> Read(absl::Duration timeout);

  // May be called from another thread than Read: a SOCK_SEQPACKET socket
  // takes one sender and one receiver at once.
  absl::Status WriteStdin(absl::string_view data);
  absl::Status CloseStdin();
  absl::Status Resize(int rows, int cols);

 private:
  absl::Status Send(const nlohmann::json& frame);

  std::string exec_id_;
  pid_t pid_ = 0;
  absl::optional<ShimConnection> conn_;
  bool exited_ = false;
};

}  // namespace crate::engine

#endif  // CRATE_API_ENGINE_PROCESS_STREAM_H_
