// cgroup v1: one hierarchy per controller, each mounted at <root>/<name>.
// In hybrid mode the cgroup2 at <root>/unified is joined as well, like runc
// does, and takes the controllers that only it has (hugetlb on some hosts).
#include <fcntl.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/stat.h>

#include <algorithm>
#include <functional>
#include <limits>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "runtime/base/errno_status.h"
#include "runtime/base/file_util.h"
#include "runtime/base/status_macros.h"
#include "runtime/cgroups/cgroup_internal.h"

namespace crate {
namespace cgroups {
namespace internal {
namespace {

constexpr const char* kControllers[] = {
    "blkio",      "cpu",     "cpuacct", "cpuset",  "devices",
    "freezer",    "hugetlb", "memory",  "net_cls", "net_prio",
    "perf_event", "pids",    "rdma",    "misc",
};

// Controllers whose files say best what is in the cgroup, for Pids().
constexpr const char* kPidsFrom[] = {"pids", "freezer", "memory", "cpu",
                                     "devices"};

constexpr char kUnified[] = "unified";

constexpr uint64_t kV1Unlimited = 0x7FFFFFFFFFFFF000ULL;

bool IsDir(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

class V1Cgroup : public Cgroup {
 public:
  V1Cgroup(std::string root, std::string path, bool hybrid)
      : Cgroup(std::move(root), std::move(path)), hybrid_(hybrid) {
    for (const char* c : kControllers) {
      if (IsDir(JoinPath(root_, c))) controllers_.push_back(c);
    }
    if (hybrid_) {
      absl::StatusOr<std::string> names =
          ReadTrimmed(JoinPath(root_, "unified/cgroup.controllers"));
      if (names.ok()) {
        for (absl::string_view c :
             absl::StrSplit(*names, ' ', absl::SkipWhitespace())) {
          unified_controllers_.insert(std::string(c));
        }
      }
    }
  }

  Mode mode() const override { return hybrid_ ? Mode::kHybrid : Mode::kV1; }

  absl::Status Create() override {
    for (const std::string& c : Hierarchies()) {
      auto after = [&](const std::string& parent,
                       const std::string& dir) -> absl::Status {
        return c == "cpuset" ? InheritCpuset(parent, dir) : absl::OkStatus();
      };
      // The cgroup2 part of a hybrid host hands controllers down like v2.
      std::function<absl::Status(const std::string&)> before;
      if (c == kUnified) before = EnableControllers;
      RETURN_IF_ERROR(Annotate(
          MakeCgroupDirs(JoinPath(root_, c), path_, &created_, before, after),
          absl::StrCat("create cgroup ", path_)));
    }
    return absl::OkStatus();
  }

  absl::StatusOr<Plan> PlanResources(const Resources& r) const override {
    V1Layout layout;
    layout.path = path_;
    layout.hybrid = hybrid_;
    // A controller mounted in v1 wins over the cgroup2 copy.
    for (const std::string& c : unified_controllers_) {
      if (std::find(controllers_.begin(), controllers_.end(), c) ==
          controllers_.end()) {
        layout.unified_controllers.insert(c);
      }
    }
    return PlanV1(r, layout);
  }

  absl::Status Apply(const Resources& r) override {
    RETURN_IF_ERROR(ValidateResources(r));
    ASSIGN_OR_RETURN(Plan plan, PlanResources(r));
    for (const Write& w : plan) {
      std::string hierarchy(w.path.substr(0, w.path.find('/')));
      if (!IsDir(JoinPath(root_, hierarchy))) {
        return absl::FailedPreconditionError(
            absl::StrCat("linux.resources.", w.field, " needs the cgroup v1 ",
                         hierarchy, " controller, which is not mounted at ",
                         JoinPath(root_, hierarchy)));
      }
    }
    return Annotate(ExecutePlan(root_, plan), absl::StrCat("cgroup ", path_));
  }

  absl::Status AddPid(pid_t pid) override {
    std::string value = absl::StrCat(pid);
    for (const std::string& c : Hierarchies()) {
      RETURN_IF_ERROR(WriteExistingFile(
          JoinPath(JoinPath(root_, c), JoinPath(path_, "cgroup.procs")),
          value));
    }
    return absl::OkStatus();
  }

  SelfJoin SelfJoinPaths() const override {
    SelfJoin out;
    for (const std::string& c : controllers_) {
      out.tasks_files.push_back(JoinPath(Dir(c), "tasks"));
    }
    if (hybrid_ && IsDir(JoinPath(root_, kUnified))) {
      out.clone_into_dir = Dir(kUnified);
    }
    return out;
  }

  absl::StatusOr<std::vector<pid_t>> Pids() const override {
    std::vector<pid_t> pids;
    for (const char* c : kPidsFrom) {
      std::string dir = Dir(c);
      if (!IsDir(dir)) continue;
      RETURN_IF_ERROR(CollectPids(dir, &pids));
      SortPids(&pids);
      return pids;
    }
    for (const std::string& c : Hierarchies()) {
      std::string dir = Dir(c);
      if (IsDir(dir)) RETURN_IF_ERROR(CollectPids(dir, &pids));
    }
    SortPids(&pids);
    return pids;
  }

  absl::StatusOr<OomWatch> WatchOom() const override {
    std::string control = JoinPath(Dir("memory"), "memory.oom_control");
    OomWatch w;
    w.dir = Dir("memory");
    w.control.Reset(open(control.c_str(), O_RDONLY | O_CLOEXEC));
    if (!w.control) return ErrnoStatus("open", control);
    w.event.Reset(eventfd(0, EFD_CLOEXEC));
    if (!w.event) return ErrnoStatus("eventfd for", control);
    RETURN_IF_ERROR(
        WriteExistingFile(JoinPath(Dir("memory"), "cgroup.event_control"),
                          absl::StrCat(w.event.get(), " ", w.control.get())));
    return w;
  }

  absl::StatusOr<Stats> ReadStats() const override {
    Stats st;
    auto opt = [](absl::StatusOr<uint64_t> v) -> absl::optional<uint64_t> {
      if (!v.ok()) return absl::nullopt;
      return *v;
    };
    std::string mem = Dir("memory");
    st.memory_usage = opt(ReadUint64(JoinPath(mem, "memory.usage_in_bytes")));
    st.memory_max_usage =
        opt(ReadUint64(JoinPath(mem, "memory.max_usage_in_bytes")));
    st.memory_limit = opt(ReadUint64(JoinPath(mem, "memory.limit_in_bytes")));
    // v1 shows "no limit" as the largest page-aligned signed value; report
    // it the way v2's "max" is.
    if (st.memory_limit && *st.memory_limit >= kV1Unlimited) {
      st.memory_limit = std::numeric_limits<uint64_t>::max();
    }
    st.oom_kills =
        opt(ReadKeyedUint64(JoinPath(mem, "memory.oom_control"), "oom_kill"));
    std::string pids = Dir("pids");
    st.pids_current = opt(ReadUint64(JoinPath(pids, "pids.current")));
    st.pids_limit = opt(ReadUint64(JoinPath(pids, "pids.max")));
    st.cpu_usage_ns =
        opt(ReadUint64(JoinPath(Dir("cpuacct"), "cpuacct.usage")));
    st.memory_inactive_file = opt(
        ReadKeyedUint64(JoinPath(mem, "memory.stat"), "total_inactive_file"));
    // The throttle file counts every I/O; the other one only what CFQ/BFQ
    // scheduled (docker reads it first and falls back the same way).
    for (const char* f : {"blkio.throttle.io_service_bytes_recursive",
                          "blkio.io_service_bytes_recursive"}) {
      absl::StatusOr<std::string> text =
          ReadFile(JoinPath(Dir("blkio"), f), 1 << 20);
      if (!text.ok()) continue;
      std::tie(st.block_read_bytes.emplace(), st.block_write_bytes.emplace()) =
          SumBlkioBytes(*text);
      break;
    }
    if (!Exists()) {
      return absl::NotFoundError(
          absl::StrCat("read stats of cgroup ", path_, ": it does not exist"));
    }
    return st;
  }

  absl::Status Freeze(absl::Duration timeout) override {
    return SetFreezer("FROZEN", FreezerState::kFrozen, timeout);
  }

  absl::Status Thaw(absl::Duration timeout) override {
    return SetFreezer("THAWED", FreezerState::kThawed, timeout);
  }

  absl::StatusOr<FreezerState> GetFreezerState() const override {
    ASSIGN_OR_RETURN(std::string s, ReadTrimmed(FreezerFile()));
    if (s == "FROZEN") return FreezerState::kFrozen;
    if (s == "FREEZING") return FreezerState::kFreezing;
    if (s == "THAWED") return FreezerState::kThawed;
    return absl::DataLossError(
        absl::StrCat("read ", FreezerFile(), ": unknown state '", s, "'"));
  }

  absl::Status Kill(int signal) override {
    // Frozen first, so that no process forks a child we do not see.
    bool frozen = IsDir(Dir("freezer")) && Freeze(absl::Seconds(2)).ok();
    absl::StatusOr<std::vector<pid_t>> pids = Pids();
    absl::Status status = pids.ok() ? SignalPids(*pids, signal) : pids.status();
    if (frozen) {
      absl::Status thaw = Thaw(absl::Seconds(2));
      if (status.ok()) status = thaw;
    }
    return status;
  }

  absl::Status Destroy(bool force) override {
    if (!force && Exists()) {
      // Waiting on EBUSY cannot help while processes live there.
      absl::StatusOr<std::vector<pid_t>> pids = Pids();
      if (pids.ok() && !pids->empty()) {
        return absl::FailedPreconditionError(
            absl::StrCat("remove cgroup ", path_, ": ", pids->size(),
                         " processes still in it (first pid ", pids->front(),
                         "); kill them or destroy with force"));
      }
    }
    if (force && Exists()) {
      RETURN_IF_ERROR(Kill(SIGKILL));
      absl::Status gone = WaitFor(
          [this]() -> absl::StatusOr<bool> {
            ASSIGN_OR_RETURN(std::vector<pid_t> pids, Pids());
            return pids.empty();
          },
          absl::Seconds(5),
          absl::StrCat("wait for cgroup ", path_, " to empty after SIGKILL"));
      if (!gone.ok()) return gone;
    }
    absl::Status first;
    for (const std::string& c : Hierarchies()) {
      absl::Status s = RemoveCgroupDir(Dir(c), absl::Seconds(1));
      if (first.ok()) first = s;
    }
    if (!first.ok()) return first;
    // Parents this object made, innermost first; others may share them.
    for (auto it = created_.rbegin(); it != created_.rend(); ++it) {
      ::rmdir(it->c_str());
    }
    created_.clear();
    return absl::OkStatus();
  }

  bool Exists() const override {
    for (const std::string& c : Hierarchies()) {
      if (IsDir(Dir(c))) return true;
    }
    return false;
  }

 private:
  std::vector<std::string> Hierarchies() const {
    std::vector<std::string> out = controllers_;
    if (hybrid_ && IsDir(JoinPath(root_, kUnified))) out.push_back(kUnified);
    return out;
  }

  std::string Dir(absl::string_view controller) const {
    return JoinPath(JoinPath(root_, controller), path_);
  }

  std::string FreezerFile() const {
    return JoinPath(Dir("freezer"), "freezer.state");
  }

  // A new v1 cpuset starts with empty cpus and mems, and no task can join
  // it until they are set: copy them down from the parent, as runc does.
  static absl::Status InheritCpuset(const std::string& parent,
                                    const std::string& dir) {
    for (const char* file : {"cpuset.cpus", "cpuset.mems"}) {
      std::string child_file = JoinPath(dir, file);
      if (!PathExists(child_file)) continue;
      ASSIGN_OR_RETURN(std::string current, ReadTrimmed(child_file));
      if (!current.empty()) continue;
      ASSIGN_OR_RETURN(std::string from_parent,
                       ReadTrimmed(JoinPath(parent, file)));
      RETURN_IF_ERROR(WriteExistingFile(child_file, from_parent));
    }
    return absl::OkStatus();
  }

  absl::Status SetFreezer(absl::string_view value, FreezerState want,
                          absl::Duration timeout) {
    std::string file = FreezerFile();
    if (!IsDir(JoinPath(root_, "freezer"))) {
      return absl::UnimplementedError(
          absl::StrCat("freeze cgroup ", path_,
                       ": the v1 freezer controller is not mounted at ",
                       JoinPath(root_, "freezer")));
    }
    RETURN_IF_ERROR(WriteExistingFile(file, value));
    absl::Status s = WaitFor(
        [&]() -> absl::StatusOr<bool> {
          ASSIGN_OR_RETURN(FreezerState st, GetFreezerState());
          if (st == want) return true;
          // A task in an uninterruptible sleep can leave the cgroup in
          // FREEZING; asking again lets the kernel retry it.
          RETURN_IF_ERROR(WriteExistingFile(file, value));
          return false;
        },
        timeout, absl::StrCat("set ", file, " to ", value));
    if (!s.ok() && want == FreezerState::kFrozen) {
      // Leave nothing half-frozen behind.
      (void)WriteExistingFile(file, "THAWED");
    }
    return s;
  }

  bool hybrid_;
  std::vector<std::string> controllers_;
  std::set<std::string> unified_controllers_;
  std::vector<std::string> created_;
};

}  // namespace

std::unique_ptr<Cgroup> NewV1Cgroup(std::string root, std::string path,
                                    bool hybrid) {
  return std::make_unique<V1Cgroup>(std::move(root), std::move(path), hybrid);
}

}  // namespace internal
}  // namespace cgroups
}  // namespace crate
