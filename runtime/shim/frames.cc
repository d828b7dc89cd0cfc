#include "runtime/shim/frames.h"

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace crate::shim {
namespace {

constexpr int kMaxWinsize = 65535;

absl::Status Bad(absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("attach frame: ", what));
}

absl::StatusOr<ClientFrame> StdinFrame(const nlohmann::json& data) {
  if (!data.is_string()) return Bad("stdin data must be a base64 string");
  ClientFrame f;
  f.kind = ClientFrame::Kind::kStdin;
  if (!absl::Base64Unescape(data.get_ref<const std::string&>(), &f.data)) {
    return Bad("stdin data is not base64");
  }
  return f;
}

bool WinsizeValue(const nlohmann::json& v, int* out) {
  if (!v.is_number_integer()) return false;
  int64_t n = v.get<int64_t>();
  if (n < 1 || n > kMaxWinsize) return false;
  *out = static_cast<int>(n);
  return true;
}

}  // namespace

std::string StreamFrame(absl::string_view stream, absl::string_view data) {
  // Neither the stream's name nor base64 needs escaping in JSON.
  std::string out = absl::StrCat(R"({"stream":")", stream, R"(","data":")");
  std::string encoded;
  absl::Base64Escape(data, &encoded);
  absl::StrAppend(&out, encoded, "\"}");
  return out;
}

nlohmann::json ExitFrame(int exit_code) { return {{"exit", exit_code}}; }

std::string SerializeMessage(const nlohmann::json& msg) {
  return msg.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

absl::StatusOr<ClientFrame> ParseClientFrame(const nlohmann::json& msg) {
  if (!msg.is_object()) return Bad("not a JSON object");
  if (auto it = msg.find("stdin"); it != msg.end()) return StdinFrame(*it);
  if (auto it = msg.find("stream"); it != msg.end()) {
    if (*it != "stdin") {
      return Bad("a client sends only the \"stdin\" stream");
    }
    auto data = msg.find("data");
    if (data == msg.end()) return Bad("stdin frame without \"data\"");
    return StdinFrame(*data);
  }
  if (auto it = msg.find("close"); it != msg.end()) {
    if (*it != "stdin") return Bad("only \"stdin\" can be closed");
    ClientFrame f;
    f.kind = ClientFrame::Kind::kCloseStdin;
    return f;
  }
  if (auto it = msg.find("resize"); it != msg.end()) {
    ClientFrame f;
    f.kind = ClientFrame::Kind::kResize;
    if (!it->is_array() || it->size() != 2 ||
        !WinsizeValue((*it)[0], &f.rows) || !WinsizeValue((*it)[1], &f.cols)) {
      return Bad("resize must be [rows, cols], each from 1 to 65535");
    }
    return f;
  }
  return Bad("none of \"stdin\", \"stream\", \"close\", \"resize\"");
}

}  // namespace crate::shim
