#include "runtime/linux/state_dir.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "runtime/base/errno_status.h"
#include "runtime/base/file_util.h"
#include "runtime/base/status_macros.h"
#include "runtime/base/unique_fd.h"
#include "runtime/linux/hooks.h"
#include "runtime/linux/launcher.h"

namespace crate::linux {
namespace {

constexpr char kStateFile[] = "state.json";
constexpr char kLockFile[] = "lock";

// "<pid> (<comm>) <state> ... field 22 is starttime". comm may hold spaces
// and parentheses, so parse from the last ')'.
bool ReadStat(pid_t pid, char* state, uint64_t* start_time) {
  auto text = ReadFile(absl::StrCat("/proc/", pid, "/stat"), 4096);
  if (!text.ok()) return false;
  size_t close = text->rfind(')');
  if (close == std::string::npos || close + 2 >= text->size()) return false;
  std::vector<absl::string_view> fields =
      absl::StrSplit(absl::string_view(*text).substr(close + 2), ' ');
  // fields[0] is field 3 (state); starttime is field 22.
  if (fields.size() < 20) return false;
  *state = fields[0].empty() ? '?' : fields[0][0];
  return absl::SimpleAtoi(fields[19], start_time);
}

}  // namespace

absl::Status WriteStateFile(const std::string& path, absl::string_view data,
                            mode_t mode) {
  std::string tmp = absl::StrCat(path, ".tmp.", getpid());
  UniqueFd fd(
      open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode));
  if (!fd) return ErrnoStatus("create", tmp);
  while (!data.empty()) {
    ssize_t n = write(fd.get(), data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      absl::Status s = ErrnoStatus("write", tmp);
      unlink(tmp.c_str());
      return s;
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  if (fchmod(fd.get(), mode) != 0 || rename(tmp.c_str(), path.c_str()) != 0) {
    absl::Status s = ErrnoStatus("rename to " + path, tmp);
    unlink(tmp.c_str());
    return s;
  }
  return absl::OkStatus();
}

std::string RecordToJson(const ContainerRecord& r) {
  nlohmann::ordered_json j = nlohmann::ordered_json::parse(
      oci::StateToJson(r.state, /*pretty=*/false));
  j["initStartTime"] = r.init_start_time;
  j["created"] = r.created;
  j["rootfs"] = r.rootfs;
  j["cgroupPath"] = r.cgroup_path;
  if (!r.systemd_unit.empty()) {
    j["systemdUnit"] = r.systemd_unit;
    j["systemdUser"] = r.systemd_user;
  }
  j["owner"] = r.owner;
  if (!r.poststart.empty()) {
    j["poststart"] = nlohmann::ordered_json::parse(HooksToJson(r.poststart));
  }
  if (!r.poststop.empty()) {
    j["poststop"] = nlohmann::ordered_json::parse(HooksToJson(r.poststop));
  }
  if (r.intel_rdt) {
    const resctrl::Membership& m = *r.intel_rdt;
    j["intelRdt"] = {
        {"root", m.root},       {"group", m.group}, {"monGroup", m.mon_group},
        {"created", m.created}, {"cmt", m.cmt},     {"mbm", m.mbm}};
  }
  return j.dump();
}

absl::StatusOr<ContainerRecord> ParseRecord(absl::string_view text) {
  ContainerRecord r;
  ASSIGN_OR_RETURN(r.state, oci::ParseState(text));
  nlohmann::json j =
      nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
  auto get = [&](const char* key, auto* out) {
    auto it = j.find(key);
    if (it != j.end() && !it->is_null()) {
      try {
        *out = it->get<std::remove_pointer_t<decltype(out)>>();
      } catch (const nlohmann::json::exception&) {
      }
    }
  };
  get("initStartTime", &r.init_start_time);
  get("created", &r.created);
  get("rootfs", &r.rootfs);
  get("cgroupPath", &r.cgroup_path);
  get("systemdUnit", &r.systemd_unit);
  get("systemdUser", &r.systemd_user);
  get("owner", &r.owner);
  auto rdt = j.find("intelRdt");
  if (rdt != j.end() && rdt->is_object()) {
    try {
      resctrl::Membership m;
      m.root = rdt->at("root").get<std::string>();
      m.group = rdt->at("group").get<std::string>();
      m.mon_group = rdt->at("monGroup").get<std::string>();
      m.created = rdt->at("created").get<std::vector<std::string>>();
      m.cmt = rdt->at("cmt").get<bool>();
      m.mbm = rdt->at("mbm").get<bool>();
      r.intel_rdt = std::move(m);
    } catch (const nlohmann::json::exception& e) {
      return absl::DataLossError(absl::StrCat("intelRdt: ", e.what()));
    }
  }
  for (auto [key, out] : {std::make_pair("poststart", &r.poststart),
                          std::make_pair("poststop", &r.poststop)}) {
    auto it = j.find(key);
    if (it == j.end() || !it->is_array()) continue;
    absl::StatusOr<std::vector<oci::Hook>> hooks = HooksFromJson(it->dump());
    if (!hooks.ok()) return Annotate(hooks.status(), key);
    *out = *std::move(hooks);
  }
  return r;
}

absl::StatusOr<ContainerDir> ContainerDir::Create(const std::string& root,
                                                  const std::string& id) {
  RETURN_IF_ERROR(oci::ValidateContainerId(id));
  if (mkdir(root.c_str(), 0700) != 0 && errno != EEXIST) {
    if (errno == ENOENT) {
      RETURN_IF_ERROR(MakeDirs(root, 0700));
    } else {
      return ErrnoStatus("create root directory", root);
    }
  }
  std::string path = JoinPath(root, id);
  if (mkdir(path.c_str(), 0711) != 0) {
    if (errno == EEXIST) {
      return absl::AlreadyExistsError(
          absl::StrCat("container \"", id, "\" already exists"));
    }
    return ErrnoStatus("create state directory", path);
  }
  absl::StatusOr<FileLock> lock = FileLock::Acquire(JoinPath(path, kLockFile));
  if (!lock.ok()) {
    RemoveTree(path).IgnoreError();
    return lock.status();
  }
  return ContainerDir(std::move(path), id, std::move(*lock));
}

absl::StatusOr<ContainerDir> ContainerDir::Open(const std::string& root,
                                                const std::string& id) {
  RETURN_IF_ERROR(oci::ValidateContainerId(id));
  std::string path = JoinPath(root, id);
  struct stat st;
  if (stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return absl::NotFoundError(
        absl::StrCat("container \"", id, "\" does not exist"));
  }
  absl::StatusOr<FileLock> lock = FileLock::Acquire(JoinPath(path, kLockFile));
  if (!lock.ok()) {
    if (lock.status().code() == absl::StatusCode::kNotFound) {
      return absl::NotFoundError(
          absl::StrCat("container \"", id, "\" does not exist"));
    }
    return lock.status();
  }
  // Deleted while we waited for the lock.
  if (!PathExists(path)) {
    return absl::NotFoundError(
        absl::StrCat("container \"", id, "\" does not exist"));
  }
  return ContainerDir(std::move(path), id, std::move(*lock));
}

std::string ContainerDir::record_path() const {
  return JoinPath(path_, kStateFile);
}

absl::Status ContainerDir::Save(const ContainerRecord& record) const {
  return WriteStateFile(JoinPath(path_, kStateFile), RecordToJson(record),
                        0600);
}

absl::StatusOr<ContainerRecord> ContainerDir::Load() const {
  std::string file = JoinPath(path_, kStateFile);
  absl::StatusOr<std::string> text = ReadFile(file);
  if (!text.ok()) {
    if (text.status().code() == absl::StatusCode::kNotFound) {
      return absl::NotFoundError(absl::StrCat(
          "container \"", id_, "\" has no state (its creation failed?)"));
    }
    return text.status();
  }
  absl::StatusOr<ContainerRecord> r = ParseRecord(*text);
  if (!r.ok()) return Annotate(r.status(), file);
  return r;
}

absl::Status ContainerDir::Remove() { return RemoveTree(path_); }

absl::StatusOr<std::vector<std::string>> ListContainerIds(
    const std::string& root) {
  absl::StatusOr<std::vector<std::string>> entries = ListDir(root);
  if (!entries.ok()) {
    if (entries.status().code() == absl::StatusCode::kNotFound) {
      return std::vector<std::string>{};
    }
    return entries.status();
  }
  std::vector<std::string> ids;
  for (const std::string& e : *entries) {
    struct stat st;
    if (oci::ValidateContainerId(e).ok() &&
        stat(JoinPath(root, e).c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
      ids.push_back(e);
    }
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

std::string SeccompCacheDir(const std::string& root) {
  return JoinPath(root, "@seccomp-cache");
}

uint64_t ProcessStartTime(pid_t pid) {
  char state;
  uint64_t start = 0;
  if (!ReadStat(pid, &state, &start)) return 0;
  return start;
}

bool InitAlive(pid_t pid, uint64_t start_time) {
  if (pid <= 0) return false;
  char state = 0;
  uint64_t start = 0;
  return ReadStat(pid, &state, &start) && state != 'Z' && state != 'X' &&
         (start_time == 0 || start == start_time);
}

oci::ContainerStatus CurrentStatus(const ContainerRecord& record,
                                   const std::string& dir) {
  if (!InitAlive(record.state.pid, record.init_start_time)) {
    return oci::ContainerStatus::kStopped;
  }
  // A create that has not finished, or was killed before it did: the init
  // lives but was never reported created.
  if (record.state.status == oci::ContainerStatus::kCreating) {
    return oci::ContainerStatus::kCreating;
  }
  if (ExecFifoExists(dir)) return oci::ContainerStatus::kCreated;
  return oci::ContainerStatus::kRunning;
}

bool WaitStopped(const ContainerRecord& record, const std::string& dir,
                 int timeout_ms) {
  for (int waited = 0; waited <= timeout_ms; waited += 5) {
    if (CurrentStatus(record, dir) == oci::ContainerStatus::kStopped) {
      return true;
    }
    struct timespec ts = {0, 5 * 1000 * 1000};
    nanosleep(&ts, nullptr);
  }
  return false;
}

std::string NowRfc3339() {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  struct tm tm;
  gmtime_r(&ts.tv_sec, &tm);
  char buf[64];
  strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
  return absl::StrCat(buf, ".", absl::Dec(ts.tv_nsec, absl::kZeroPad9), "Z");
}

}  // namespace crate::linux
