#include "runtime/shim/shim_pid_file.h"

#include <cstdlib>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "nlohmann/json.hpp"
#include "runtime/base/file_util.h"

namespace crate::shim {
namespace {

// The state letter and start time of /proc/<pid>/stat; false when gone.
bool ReadStat(pid_t pid, char* state, uint64_t* start) {
  absl::StatusOr<std::string> stat =
      ReadFile(absl::StrCat("/proc/", pid, "/stat"), 4096);
  if (!stat.ok()) return false;
  // The command name may hold spaces and parentheses: the fields start
  // after its last ')'.
  size_t paren = stat->rfind(')');
  if (paren == std::string::npos) return false;
  std::vector<absl::string_view> fields = absl::StrSplit(
      absl::string_view(*stat).substr(paren + 1), ' ', absl::SkipEmpty());
  // fields[0] is field 3 (state); start time is field 22.
  if (fields.size() < 20 || fields[0].empty()) return false;
  *state = fields[0][0];
  return absl::SimpleAtoi(fields[19], start);
}

absl::Status Corrupt(const std::string& path, absl::string_view what) {
  return absl::DataLossError(absl::StrCat("shim pid file ", path, ": ", what));
}

}  // namespace

uint64_t ProcessStartTime(pid_t pid) {
  char state;
  uint64_t start = 0;
  return ReadStat(pid, &state, &start) ? start : 0;
}

absl::Status WriteShimPidFile(const std::string& path, const ShimPid& shim) {
  nlohmann::json j = {{"pid", shim.pid}, {"start_time", shim.start_time}};
  return WriteFileAtomic(path, j.dump() + "\n", 0644);
}

absl::StatusOr<ShimPid> ReadShimPidFile(const std::string& path) {
  absl::StatusOr<std::string> text = ReadFile(path, 4096);
  if (absl::IsResourceExhausted(text.status())) {
    return Corrupt(path, "too large");
  }
  if (!text.ok()) return text.status();
  nlohmann::json j = nlohmann::json::parse(*text, nullptr, false);
  if (!j.is_object()) return Corrupt(path, "not a JSON object");
  auto pid = j.find("pid");
  if (pid == j.end() || !pid->is_number_unsigned() || *pid == 0 ||
      pid->get<uint64_t>() > 0x3fffffff) {
    return Corrupt(path, "field \"pid\" is not a pid");
  }
  auto start = j.find("start_time");
  if (start == j.end() || !start->is_number_unsigned()) {
    return Corrupt(path, "field \"start_time\" is not a number");
  }
  return ShimPid{static_cast<pid_t>(pid->get<uint64_t>()),
                 start->get<uint64_t>()};
}

bool ShimAlive(const ShimPid& shim) {
  char state = 0;
  uint64_t start = 0;
  if (!ReadStat(shim.pid, &state, &start)) return false;
  return state != 'Z' && state != 'X' && start == shim.start_time;
}

}  // namespace crate::shim
