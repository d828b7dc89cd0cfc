#include "runtime/shim/exit_file.h"

#include <sys/wait.h>

#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"
#include "runtime/base/file_util.h"
#include "runtime/shim/timestamp.h"

namespace crate::shim {
namespace {

// An exit file is a hundred bytes; anything much larger is not one.
constexpr size_t kMaxExitFileBytes = 64 * 1024;
constexpr int kMaxSignal = 64;

absl::Status Corrupt(const std::string& path, absl::string_view what) {
  return absl::DataLossError(absl::StrCat("exit file ", path, ": ", what));
}

}  // namespace

ExitStatus FromWaitStatus(int wstatus, absl::Time finished_at) {
  ExitStatus s;
  s.finished_at = finished_at;
  if (WIFEXITED(wstatus)) {
    s.exit_code = WEXITSTATUS(wstatus);
  } else if (WIFSIGNALED(wstatus)) {
    s.signal = WTERMSIG(wstatus);
    s.exit_code = 128 + s.signal;
  } else {
    // Stopped or continued: not an end. Reported rather than taken for a
    // clean exit.
    s.exit_code = 255;
    s.reason = absl::StrCat("unexpected wait status 0x", absl::Hex(wstatus));
  }
  return s;
}

absl::Status WriteExitFile(const std::string& path, const ExitStatus& status) {
  nlohmann::json j = {{"exit_code", status.exit_code},
                      {"signal", status.signal},
                      {"oom_killed", status.oom_killed},
                      {"finished_at", FormatTimestamp(status.finished_at)},
                      {"reason", status.reason}};
  return WriteFileAtomic(
      path,
      j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n",
      0644);
}

absl::StatusOr<ExitStatus> ReadExitFile(const std::string& path) {
  absl::StatusOr<std::string> text = ReadFile(path, kMaxExitFileBytes);
  if (absl::IsResourceExhausted(text.status())) {
    return Corrupt(path, "too large");
  }
  if (!text.ok()) return text.status();
  nlohmann::json j = nlohmann::json::parse(*text, nullptr, false);
  if (j.is_discarded()) return Corrupt(path, "not JSON");
  if (!j.is_object()) return Corrupt(path, "not a JSON object");

  ExitStatus s;
  auto code = j.find("exit_code");
  if (code == j.end() || !code->is_number_integer() ||
      code->get<int64_t>() < 0 || code->get<int64_t>() > 255) {
    return Corrupt(path, "\"exit_code\" is not an integer from 0 to 255");
  }
  s.exit_code = code->get<int>();
  auto sig = j.find("signal");
  if (sig != j.end()) {
    if (!sig->is_number_integer() || sig->get<int64_t>() < 0 ||
        sig->get<int64_t>() > kMaxSignal) {
      return Corrupt(path, "\"signal\" is not an integer from 0 to 64");
    }
    s.signal = sig->get<int>();
  }
  auto oom = j.find("oom_killed");
  if (oom != j.end()) {
    if (!oom->is_boolean()) {
      return Corrupt(path, "\"oom_killed\" is not true or false");
    }
    s.oom_killed = oom->get<bool>();
  }
  auto at = j.find("finished_at");
  if (at == j.end() || !at->is_string() ||
      !ParseTimestamp(at->get<std::string>(), &s.finished_at)) {
    return Corrupt(path, "\"finished_at\" is not an RFC 3339 time");
  }
  auto reason = j.find("reason");
  if (reason != j.end()) {
    if (!reason->is_string()) {
      return Corrupt(path, "\"reason\" is not a string");
    }
    s.reason = reason->get<std::string>();
  }
  return s;
}

}  // namespace crate::shim
