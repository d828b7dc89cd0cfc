#include "runtime/cgroups/cgroup.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "runtime/base/errno_status.h"
#include "runtime/base/file_util.h"
#include "runtime/base/status_macros.h"
#include "runtime/cgroups/cgroup_internal.h"

namespace crate {
namespace cgroups {
namespace {

constexpr long kCgroup2Magic = 0x63677270;  // CGROUP2_SUPER_MAGIC
constexpr long kTmpfsMagic = 0x01021994;    // TMPFS_MAGIC
constexpr long kCgroupMagic = 0x27e0eb;     // CGROUP_SUPER_MAGIC

// The table of backends the front chooses from.
struct Backend {
  Mode mode;
  std::unique_ptr<Cgroup> (*make)(std::string root, std::string path);
};

const Backend kBackends[] = {
    {Mode::kV1,
     [](std::string root, std::string path) {
       return internal::NewV1Cgroup(std::move(root), std::move(path), false);
     }},
    {Mode::kHybrid,
     [](std::string root, std::string path) {
       return internal::NewV1Cgroup(std::move(root), std::move(path), true);
     }},
    {Mode::kV2,
     [](std::string root, std::string path) {
       return internal::NewV2Cgroup(std::move(root), std::move(path));
     }},
};

bool IsDir(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

}  // namespace

absl::string_view ModeName(Mode mode) {
  switch (mode) {
    case Mode::kV1:
      return "v1";
    case Mode::kHybrid:
      return "hybrid";
    case Mode::kV2:
      return "v2";
  }
  return "unknown";
}

absl::string_view FreezerStateName(FreezerState state) {
  switch (state) {
    case FreezerState::kThawed:
      return "THAWED";
    case FreezerState::kFreezing:
      return "FREEZING";
    case FreezerState::kFrozen:
      return "FROZEN";
  }
  return "unknown";
}

absl::StatusOr<Mode> DetectMode(const std::string& root) {
  struct statfs fs;
  if (::statfs(root.c_str(), &fs) != 0) return ErrnoStatus("statfs", root);
  if (fs.f_type == kCgroup2Magic) return Mode::kV2;
  if (fs.f_type != kTmpfsMagic && fs.f_type != kCgroupMagic) {
    return absl::FailedPreconditionError(
        absl::StrCat("detect cgroup mode: ", root,
                     " is neither a cgroup2 mount nor a tmpfs of v1 "
                     "controllers (f_type 0x",
                     absl::Hex(fs.f_type), ")"));
  }
  std::string unified = JoinPath(root, "unified");
  if (::statfs(unified.c_str(), &fs) == 0 && fs.f_type == kCgroup2Magic) {
    return Mode::kHybrid;
  }
  return Mode::kV1;
}

absl::StatusOr<std::string> NormalizeCgroupPath(absl::string_view path) {
  std::vector<absl::string_view> parts;
  for (absl::string_view part : absl::StrSplit(path, '/', absl::SkipEmpty())) {
    if (part == "." || part == "..") {
      return absl::InvalidArgumentError(absl::StrCat(
          "linux.cgroupsPath ", path, ": '", part, "' is not allowed"));
    }
    parts.push_back(part);
  }
  if (parts.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "linux.cgroupsPath '", path, "': must name a cgroup below the root"));
  }
  return absl::StrJoin(parts, "/");
}

absl::Status Cgroup::Apply(const Resources& r) {
  RETURN_IF_ERROR(ValidateResources(r));
  ASSIGN_OR_RETURN(Plan plan, PlanResources(r));
  return Annotate(ExecutePlan(root_, plan), absl::StrCat("cgroup ", path_));
}

absl::StatusOr<std::unique_ptr<Cgroup>> OpenCgroup(const Options& options) {
  ASSIGN_OR_RETURN(std::string path, NormalizeCgroupPath(options.path));
  if (!IsDir(options.root)) {
    return absl::NotFoundError(
        absl::StrCat("cgroup root ", options.root, " is not a directory"));
  }
  Mode mode;
  if (options.mode.has_value()) {
    mode = *options.mode;
  } else {
    ASSIGN_OR_RETURN(mode, DetectMode(options.root));
  }
  for (const Backend& b : kBackends) {
    if (b.mode == mode) return b.make(options.root, std::move(path));
  }
  return absl::UnimplementedError(
      absl::StrCat("no cgroup backend for mode ", ModeName(mode)));
}

namespace internal {

absl::StatusOr<std::string> ReadTrimmed(const std::string& path) {
  ASSIGN_OR_RETURN(std::string s, ReadFile(path, 1 << 20));
  return std::string(absl::StripAsciiWhitespace(s));
}

absl::StatusOr<uint64_t> ReadUint64(const std::string& path) {
  ASSIGN_OR_RETURN(std::string s, ReadTrimmed(path));
  if (s == "max") return std::numeric_limits<uint64_t>::max();
  uint64_t v;
  if (!absl::SimpleAtoi(s, &v)) {
    // v1 reports "-1"-like unlimited values as large numbers, but be safe.
    return absl::DataLossError(
        absl::StrCat("read ", path, ": '", s, "' is not a number"));
  }
  return v;
}

absl::StatusOr<uint64_t> ReadKeyedUint64(const std::string& path,
                                         absl::string_view key) {
  ASSIGN_OR_RETURN(std::string s, ReadFile(path, 1 << 20));
  for (absl::string_view line : absl::StrSplit(s, '\n')) {
    std::pair<absl::string_view, absl::string_view> kv =
        absl::StrSplit(line, absl::MaxSplits(' ', 1));
    if (kv.first != key) continue;
    uint64_t v;
    if (!absl::SimpleAtoi(kv.second, &v)) {
      return absl::DataLossError(absl::StrCat("read ", path, ": ", key, " '",
                                              kv.second, "' is not a number"));
    }
    return v;
  }
  return absl::NotFoundError(absl::StrCat("read ", path, ": no ", key));
}

namespace {

// Child cgroups of `dir`, by d_type: cgroupfs and kernfs fill it in, so no
// stat of each control file is needed to tell the directories apart.
std::vector<std::string> ChildCgroups(const std::string& dir) {
  std::vector<std::string> out;
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return out;
  while (struct dirent* e = ::readdir(d)) {
    if (e->d_type != DT_DIR) continue;
    if (std::strcmp(e->d_name, ".") == 0 || std::strcmp(e->d_name, "..") == 0) {
      continue;
    }
    out.push_back(JoinPath(dir, e->d_name));
  }
  ::closedir(d);
  return out;
}

}  // namespace

absl::Status CollectPids(const std::string& dir, std::vector<pid_t>* pids) {
  std::string procs = JoinPath(dir, "cgroup.procs");
  ASSIGN_OR_RETURN(std::string s, ReadFile(procs, 64 << 20));
  for (absl::string_view line :
       absl::StrSplit(s, '\n', absl::SkipWhitespace())) {
    pid_t pid;
    if (!absl::SimpleAtoi(line, &pid)) {
      return absl::DataLossError(
          absl::StrCat("read ", procs, ": bad pid '", line, "'"));
    }
    pids->push_back(pid);
  }
  for (const std::string& sub : ChildCgroups(dir)) {
    RETURN_IF_ERROR(CollectPids(sub, pids));
  }
  return absl::OkStatus();
}

void SortPids(std::vector<pid_t>* pids) {
  std::sort(pids->begin(), pids->end());
  pids->erase(std::unique(pids->begin(), pids->end()), pids->end());
}

absl::Status SignalPids(const std::vector<pid_t>& pids, int signal) {
  for (pid_t pid : pids) {
    if (pid <= 0) continue;  // Never let a bad entry become kill(-1).
    if (::kill(pid, signal) != 0 && errno != ESRCH) {
      return ErrnoStatus(absl::StrCat("kill -", signal),
                         absl::StrCat("pid ", pid));
    }
  }
  return absl::OkStatus();
}

// A cgroup directory holds only control files, which rmdir removes with it,
// so the common case is one rmdir. Only a cgroup that still has children
// (EBUSY) is read, to remove the children first.
absl::Status RemoveCgroupDir(const std::string& dir,
                             absl::Duration busy_timeout) {
  if (::rmdir(dir.c_str()) == 0 || errno == ENOENT) return absl::OkStatus();
  if (errno != EBUSY && errno != ENOTEMPTY) return ErrnoStatus("rmdir", dir);
  for (const std::string& sub : ChildCgroups(dir)) {
    RETURN_IF_ERROR(RemoveCgroupDir(sub, busy_timeout));
  }
  absl::Time deadline = absl::Now() + busy_timeout;
  absl::Duration sleep = absl::Milliseconds(1);
  while (::rmdir(dir.c_str()) != 0) {
    if (errno == ENOENT) return absl::OkStatus();
    // A process that just exited keeps the cgroup busy for a moment.
    if ((errno != EBUSY && errno != ENOTEMPTY) || absl::Now() >= deadline) {
      return ErrnoStatus("rmdir", dir);
    }
    absl::SleepFor(sleep);
    sleep = std::min(sleep * 2, absl::Milliseconds(50));
  }
  return absl::OkStatus();
}

absl::Status MakeCgroupDirs(
    const std::string& base, const std::string& path,
    std::vector<std::string>* created,
    const std::function<absl::Status(const std::string&)>& before_mkdir,
    const std::function<absl::Status(const std::string&, const std::string&)>&
        after_mkdir) {
  if (!IsDir(base)) {
    return absl::NotFoundError(
        absl::StrCat("cgroup hierarchy ", base, " is not a directory"));
  }
  std::string parent = base;
  for (absl::string_view part : absl::StrSplit(path, '/', absl::SkipEmpty())) {
    std::string dir = JoinPath(parent, part);
    if (before_mkdir) RETURN_IF_ERROR(before_mkdir(parent));
    if (!IsDir(dir)) {
      if (::mkdir(dir.c_str(), 0755) != 0) {
        if (errno != EEXIST) return ErrnoStatus("mkdir", dir);
      } else {
        created->push_back(dir);
      }
    }
    if (after_mkdir) RETURN_IF_ERROR(after_mkdir(parent, dir));
    parent = std::move(dir);
  }
  return absl::OkStatus();
}

// A controller the kernel refuses (cpu while realtime tasks sit in the
// parent, say) should not keep the others from being enabled.
absl::Status EnableControllers(const std::string& dir) {
  std::string available = JoinPath(dir, "cgroup.controllers");
  std::string control = JoinPath(dir, "cgroup.subtree_control");
  if (!PathExists(available) || !PathExists(control)) return absl::OkStatus();
  ASSIGN_OR_RETURN(std::string names, ReadTrimmed(available));
  ASSIGN_OR_RETURN(std::string enabled, ReadTrimmed(control));
  std::vector<absl::string_view> on =
      absl::StrSplit(enabled, ' ', absl::SkipWhitespace());
  std::vector<std::string> missing;
  for (absl::string_view c :
       absl::StrSplit(names, ' ', absl::SkipWhitespace())) {
    if (std::find(on.begin(), on.end(), c) == on.end()) {
      missing.push_back(absl::StrCat("+", c));
    }
  }
  if (missing.empty()) return absl::OkStatus();
  // All at once is one write; only if the kernel refuses one of them, go
  // one by one and keep whatever it takes.
  if (WriteExistingFile(control, absl::StrJoin(missing, " ")).ok()) {
    return absl::OkStatus();
  }
  for (const std::string& c : missing) (void)WriteExistingFile(control, c);
  return absl::OkStatus();
}

absl::Status WaitFor(const std::function<absl::StatusOr<bool>()>& done,
                     absl::Duration timeout, absl::string_view what) {
  absl::Time deadline = absl::Now() + timeout;
  absl::Duration sleep = absl::Microseconds(100);
  while (true) {
    ASSIGN_OR_RETURN(bool ok, done());
    if (ok) return absl::OkStatus();
    if (absl::Now() >= deadline) {
      return absl::DeadlineExceededError(absl::StrCat(
          what, ": not done after ", absl::FormatDuration(timeout)));
    }
    absl::SleepFor(sleep);
    sleep = std::min(sleep * 2, absl::Milliseconds(20));
  }
}

}  // namespace internal

std::pair<uint64_t, uint64_t> SumBlkioBytes(absl::string_view text) {
  uint64_t read = 0, write = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    std::vector<absl::string_view> f =
        absl::StrSplit(line, ' ', absl::SkipEmpty());
    uint64_t v = 0;
    if (f.size() != 3 || !absl::SimpleAtoi(f[2], &v)) continue;
    if (f[1] == "Read") read += v;
    if (f[1] == "Write") write += v;
  }
  return {read, write};
}

std::pair<uint64_t, uint64_t> SumIoStatBytes(absl::string_view text) {
  uint64_t read = 0, write = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    for (absl::string_view kv : absl::StrSplit(line, ' ', absl::SkipEmpty())) {
      uint64_t v = 0;
      if (absl::ConsumePrefix(&kv, "rbytes=") && absl::SimpleAtoi(kv, &v)) {
        read += v;
      } else if (absl::ConsumePrefix(&kv, "wbytes=") &&
                 absl::SimpleAtoi(kv, &v)) {
        write += v;
      }
    }
  }
  return {read, write};
}

}  // namespace cgroups
}  // namespace crate
