#include "runtime/shim/requests.h"

#include <cstdint>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "runtime/base/status_macros.h"

namespace crate::shim {
namespace {

constexpr int kMaxSignal = 64;  // the kernel's _NSIG - 1
constexpr int kMaxWinsize = 65535;

// A value for an error message, cut short: it came from the other process.
std::string Shown(const nlohmann::json& v) {
  std::string s =
      v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (s.size() > 64) s = s.substr(0, 64) + "...";
  return s;
}

// Reads the fields of one request, with errors that name the op and the
// field.
class Fields {
 public:
  Fields(const nlohmann::json& j, const char* op) : j_(j), op_(op) {}

  // That `j` is an object whose op is ours, and its container.
  absl::Status Start(std::string* container) {
    if (!j_.is_object()) {
      return absl::InvalidArgumentError(
          absl::StrCat(op_, " request: not a JSON object"));
    }
    auto op = j_.find("op");
    if (op == j_.end() || !op->is_string() || *op != op_) {
      return absl::InvalidArgumentError(
          absl::StrCat(op_, " request: field \"op\" is ",
                       op == j_.end() ? "missing" : Shown(*op)));
    }
    RETURN_IF_ERROR(String("container", container));
    if (container->empty()) return Error("container", "must not be empty");
    return absl::OkStatus();
  }

  // A missing string is "".
  absl::Status String(const char* name, std::string* out) {
    auto it = j_.find(name);
    if (it == j_.end()) {
      out->clear();
      return absl::OkStatus();
    }
    if (!it->is_string()) return Wrong(name, "a string", *it);
    *out = it->get<std::string>();
    return absl::OkStatus();
  }

  // A missing bool is false.
  absl::Status Bool(const char* name, bool* out) {
    auto it = j_.find(name);
    if (it == j_.end()) {
      *out = false;
      return absl::OkStatus();
    }
    if (!it->is_boolean()) return Wrong(name, "true or false", *it);
    *out = it->get<bool>();
    return absl::OkStatus();
  }

  // Required: an integer in [min, max] (7.0 is not one).
  absl::Status Int(const char* name, int min, int max, int* out) {
    auto it = j_.find(name);
    if (it == j_.end()) return Error(name, "is missing");
    std::string want = absl::StrCat("an integer from ", min, " to ", max);
    if (!it->is_number_integer()) return Wrong(name, want, *it);
    bool in_range;
    if (it->is_number_unsigned()) {  // how the parser keeps a positive one
      uint64_t v = it->get<uint64_t>();
      in_range =
          v <= static_cast<uint64_t>(max) && static_cast<int64_t>(v) >= min;
    } else {
      int64_t v = it->get<int64_t>();
      in_range = v >= min && v <= max;
    }
    if (!in_range) return Wrong(name, want, *it);
    *out = static_cast<int>(it->get<int64_t>());
    return absl::OkStatus();
  }

  // Required: an object.
  absl::Status Object(const char* name, nlohmann::json* out) {
    auto it = j_.find(name);
    if (it == j_.end()) return Error(name, "is missing");
    if (!it->is_object()) return Wrong(name, "an object", *it);
    *out = *it;
    return absl::OkStatus();
  }

  absl::Status Error(const char* name, absl::string_view what) {
    return absl::InvalidArgumentError(
        absl::StrCat(op_, " request: field \"", name, "\" ", what));
  }

 private:
  absl::Status Wrong(const char* name, absl::string_view want,
                     const nlohmann::json& got) {
    return Error(name, absl::StrCat("must be ", want, ", not ", Shown(got)));
  }

  const nlohmann::json& j_;
  const char* op_;
};

nlohmann::json Base(const char* op, const std::string& container) {
  return {{"op", op}, {"container", container}};
}

}  // namespace

absl::StatusOr<std::string> RequestOp(const nlohmann::json& msg) {
  auto op = msg.is_object() ? msg.find("op") : msg.end();
  if (!msg.is_object() || op == msg.end() || !op->is_string()) {
    return absl::InvalidArgumentError(
        "request: not an object with a string field \"op\"");
  }
  return op->get<std::string>();
}

nlohmann::json StateRequest::ToJson() const { return Base(kOp, container); }

absl::StatusOr<StateRequest> StateRequest::FromJson(const nlohmann::json& j) {
  StateRequest r;
  RETURN_IF_ERROR(Fields(j, kOp).Start(&r.container));
  return r;
}

nlohmann::json StartRequest::ToJson() const { return Base(kOp, container); }

absl::StatusOr<StartRequest> StartRequest::FromJson(const nlohmann::json& j) {
  StartRequest r;
  RETURN_IF_ERROR(Fields(j, kOp).Start(&r.container));
  return r;
}

nlohmann::json KillRequest::ToJson() const {
  nlohmann::json j = Base(kOp, container);
  j["signal"] = signal;
  j["all"] = all;
  return j;
}

absl::StatusOr<KillRequest> KillRequest::FromJson(const nlohmann::json& j) {
  KillRequest r;
  Fields f(j, kOp);
  RETURN_IF_ERROR(f.Start(&r.container));
  RETURN_IF_ERROR(f.Int("signal", 1, kMaxSignal, &r.signal));
  RETURN_IF_ERROR(f.Bool("all", &r.all));
  return r;
}

nlohmann::json ExecRequest::ToJson() const {
  nlohmann::json j = Base(kOp, container);
  j["exec_id"] = exec_id;
  j["process"] = process;
  j["tty"] = tty;
  j["stdin"] = open_stdin;
  return j;
}

absl::StatusOr<ExecRequest> ExecRequest::FromJson(const nlohmann::json& j) {
  ExecRequest r;
  Fields f(j, kOp);
  RETURN_IF_ERROR(f.Start(&r.container));
  RETURN_IF_ERROR(f.String("exec_id", &r.exec_id));
  if (r.exec_id.empty()) return f.Error("exec_id", "must not be empty");
  RETURN_IF_ERROR(f.Object("process", &r.process));
  RETURN_IF_ERROR(f.Bool("tty", &r.tty));
  RETURN_IF_ERROR(f.Bool("stdin", &r.open_stdin));
  return r;
}

nlohmann::json ResizeRequest::ToJson() const {
  nlohmann::json j = Base(kOp, container);
  j["exec_id"] = exec_id;
  j["rows"] = rows;
  j["cols"] = cols;
  return j;
}

absl::StatusOr<ResizeRequest> ResizeRequest::FromJson(const nlohmann::json& j) {
  ResizeRequest r;
  Fields f(j, kOp);
  RETURN_IF_ERROR(f.Start(&r.container));
  RETURN_IF_ERROR(f.String("exec_id", &r.exec_id));
  RETURN_IF_ERROR(f.Int("rows", 1, kMaxWinsize, &r.rows));
  RETURN_IF_ERROR(f.Int("cols", 1, kMaxWinsize, &r.cols));
  return r;
}

nlohmann::json WaitRequest::ToJson() const {
  nlohmann::json j = Base(kOp, container);
  j["exec_id"] = exec_id;
  return j;
}

absl::StatusOr<WaitRequest> WaitRequest::FromJson(const nlohmann::json& j) {
  WaitRequest r;
  Fields f(j, kOp);
  RETURN_IF_ERROR(f.Start(&r.container));
  RETURN_IF_ERROR(f.String("exec_id", &r.exec_id));
  return r;
}

nlohmann::json AttachRequest::ToJson() const {
  nlohmann::json j = Base(kOp, container);
  j["exec_id"] = exec_id;
  j["stdin"] = attach_stdin;
  j["stdout"] = attach_stdout;
  j["stderr"] = attach_stderr;
  return j;
}

absl::StatusOr<AttachRequest> AttachRequest::FromJson(const nlohmann::json& j) {
  AttachRequest r;
  Fields f(j, kOp);
  RETURN_IF_ERROR(f.Start(&r.container));
  RETURN_IF_ERROR(f.String("exec_id", &r.exec_id));
  RETURN_IF_ERROR(f.Bool("stdin", &r.attach_stdin));
  RETURN_IF_ERROR(f.Bool("stdout", &r.attach_stdout));
  RETURN_IF_ERROR(f.Bool("stderr", &r.attach_stderr));
  return r;
}

nlohmann::json ShutdownRequest::ToJson() const { return Base(kOp, container); }

absl::StatusOr<ShutdownRequest> ShutdownRequest::FromJson(
    const nlohmann::json& j) {
  ShutdownRequest r;
  RETURN_IF_ERROR(Fields(j, kOp).Start(&r.container));
  return r;
}

}  // namespace crate::shim
