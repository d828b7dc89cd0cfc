// The requests crated sends a shim (docs/SERVICE.md, "The crated <-> shim
// protocol"), as structs with their JSON form. Every request names its
// container, so that one shim can later serve a whole pod. FromJson checks
// the op and every field it reads and says which one is wrong
// (InvalidArgument); fields it does not know are ignored, so a newer crated
// can add one without breaking an older shim.
#ifndef CRATE_RUNTIME_SHIM_REQUESTS_H_
#define CRATE_RUNTIME_SHIM_REQUESTS_H_

#include <string>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace crate::shim {

// The "op" of a request: a message that is an object with a string "op"
// (the op is not checked against the known ones: the caller's dispatch
// answers an unknown op).
absl::StatusOr<std::string> RequestOp(const nlohmann::json& msg);

// -> status, init pid, exit code and time once stopped.
struct StateRequest {
  static constexpr const char* kOp = "state";
  std::string container;

  nlohmann::json ToJson() const;
  static absl::StatusOr<StateRequest> FromJson(const nlohmann::json& j);
};

struct StartRequest {
  static constexpr const char* kOp = "start";
  std::string container;

  nlohmann::json ToJson() const;
  static absl::StatusOr<StartRequest> FromJson(const nlohmann::json& j);
};

struct KillRequest {
  static constexpr const char* kOp = "kill";
  std::string container;
  int signal = 0;    // 1-64
  bool all = false;  // every process of the container, not just its init

  nlohmann::json ToJson() const;
  static absl::StatusOr<KillRequest> FromJson(const nlohmann::json& j);
};

// -> pid. The exec's output goes to attached clients only, not the log.
struct ExecRequest {
  static constexpr const char* kOp = "exec";
  std::string container;
  std::string exec_id;     // required
  nlohmann::json process;  // a runtime-spec process object
  bool tty = false;
  bool open_stdin = false;  // "stdin"

  nlohmann::json ToJson() const;
  static absl::StatusOr<ExecRequest> FromJson(const nlohmann::json& j);
};

struct ResizeRequest {
  static constexpr const char* kOp = "resize";
  std::string container;
  std::string exec_id;  // "" for the container's own process
  int rows = 0;         // 1-65535, as a struct winsize holds
  int cols = 0;

  nlohmann::json ToJson() const;
  static absl::StatusOr<ResizeRequest> FromJson(const nlohmann::json& j);
};

// Answered when the process exits.
struct WaitRequest {
  static constexpr const char* kOp = "wait";
  std::string container;
  std::string exec_id;  // "" for the container's own process

  nlohmann::json ToJson() const;
  static absl::StatusOr<WaitRequest> FromJson(const nlohmann::json& j);
};

// After the response the connection carries stream frames both ways.
struct AttachRequest {
  static constexpr const char* kOp = "attach";
  std::string container;
  std::string exec_id;  // "" for the container's own process
  // "stdin", "stdout", "stderr": which streams the client takes part in.
  bool attach_stdin = false;
  bool attach_stdout = false;
  bool attach_stderr = false;

  nlohmann::json ToJson() const;
  static absl::StatusOr<AttachRequest> FromJson(const nlohmann::json& j);
};

// The shim exits once the container is gone (used by remove).
struct ShutdownRequest {
  static constexpr const char* kOp = "shutdown";
  std::string container;

  nlohmann::json ToJson() const;
  static absl::StatusOr<ShutdownRequest> FromJson(const nlohmann::json& j);
};

}  // namespace crate::shim

#endif  // CRATE_RUNTIME_SHIM_REQUESTS_H_
