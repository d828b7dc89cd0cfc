#include "cli/crate-runtime/log.h"

#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "runtime/base/errno_status.h"

namespace crate::cli {
namespace {

struct LogState {
  int fd = -1;
  LogFormat format = LogFormat::kText;
  bool debug = false;
};

LogState& State() {
  static LogState state;
  return state;
}

std::string Now() {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  struct tm tm;
  gmtime_r(&ts.tv_sec, &tm);
  char buf[40];
  strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
  return absl::StrCat(buf, ".", absl::Dec(ts.tv_nsec / 1000, absl::kZeroPad6),
                      "Z");
}

void WriteLine(int fd, const std::string& line) {
  // One write per line: lines of concurrent writers do not interleave.
  (void)!write(fd, line.data(), line.size());
}

void Log(const char* level, absl::string_view msg) {
  LogState& s = State();
  if (s.fd < 0) return;
  std::string line;
  if (s.format == LogFormat::kJson) {
    nlohmann::ordered_json j;
    j["level"] = level;
    j["msg"] = std::string(msg);
    j["time"] = Now();
    line = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  } else {
    nlohmann::json quoted = std::string(msg);
    line = absl::StrCat(
        "time=\"", Now(), "\" level=", level, " msg=",
        quoted.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  }
  line += '\n';
  WriteLine(s.fd, line);
}

}  // namespace

absl::Status InitLog(const std::string& path, absl::string_view format,
                     bool debug) {
  LogState& s = State();
  s.debug = debug;
  if (format == "json") {
    s.format = LogFormat::kJson;
  } else if (format == "text" || format.empty()) {
    s.format = LogFormat::kText;
  } else {
    return absl::InvalidArgumentError(absl::StrCat(
        "invalid log format \"", format, "\" (want text or json)"));
  }
  if (!path.empty()) {
    s.fd = open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (s.fd < 0) return ErrnoStatus("open log file", path);
  }
  return absl::OkStatus();
}

void LogDebug(absl::string_view msg) {
  if (State().debug) Log("debug", msg);
}

void LogWarning(absl::string_view msg) {
  Log("warning", msg);
  if (State().fd < 0) {
    WriteLine(STDERR_FILENO,
              absl::StrCat("crate-runtime: warning: ", msg, "\n"));
  }
}

void LogError(absl::string_view msg) {
  Log("error", msg);
  WriteLine(STDERR_FILENO, absl::StrCat("crate-runtime: ", msg, "\n"));
}

}  // namespace crate::cli
