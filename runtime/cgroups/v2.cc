// cgroup v2: one hierarchy at the root; controllers are enabled for the
// children of each parent through its cgroup.subtree_control.
#include <signal.h>
#include <sys/inotify.h>
#include <sys/stat.h>

#include <algorithm>
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "runtime/base/errno_status.h"
#include "runtime/base/file_util.h"
#include "runtime/base/status_macros.h"
#include "runtime/cgroups/cgroup_internal.h"
#include "runtime/cgroups/device_filter.h"

namespace crate {
namespace cgroups {
namespace internal {
namespace {

class V2Cgroup : public Cgroup {
 public:
  V2Cgroup(std::string root, std::string path)
      : Cgroup(std::move(root), std::move(path)) {}

  Mode mode() const override { return Mode::kV2; }

  SelfJoin SelfJoinPaths() const override {
    SelfJoin out;
    out.clone_into_dir = Dir();
    return out;
  }

  absl::Status Create() override {
    return Annotate(
        MakeCgroupDirs(root_, path_, &created_, EnableControllers, nullptr),
        absl::StrCat("create cgroup ", path_));
  }

  absl::StatusOr<Plan> PlanResources(const Resources& r) const override {
    return PlanV2(r, path_);
  }

  absl::Status Apply(const Resources& r) override {
    RETURN_IF_ERROR(ValidateResources(r));
    ASSIGN_OR_RETURN(Plan plan, PlanResources(r));
    RETURN_IF_ERROR(
        Annotate(ExecutePlan(root_, plan), absl::StrCat("cgroup ", path_)));
    if (!r.devices.empty()) {
      // cgroup2 has no devices files; an eBPF program attached to the
      // cgroup decides instead.
      RETURN_IF_ERROR(Annotate(AttachDeviceFilter(Dir(), r.devices),
                               absl::StrCat("cgroup ", path_)));
    }
    return absl::OkStatus();
  }

  absl::Status AddPid(pid_t pid) override {
    return WriteExistingFile(JoinPath(Dir(), "cgroup.procs"),
                             absl::StrCat(pid));
  }

  absl::StatusOr<std::vector<pid_t>> Pids() const override {
    std::vector<pid_t> pids;
    RETURN_IF_ERROR(CollectPids(Dir(), &pids));
    SortPids(&pids);
    return pids;
  }

  // cgroup.events too, as runc watches it: "populated 0" when the last
  // process is gone ends the command without waiting for an interval.
  absl::StatusOr<OomWatch> WatchOom() const override {
    OomWatch w;
    w.dir = Dir();
    w.counters_changed = true;
    w.event.Reset(inotify_init1(IN_CLOEXEC | IN_NONBLOCK));
    if (!w.event) return ErrnoStatus("inotify_init1 for", w.dir);
    for (const char* name : {"memory.events", "cgroup.events"}) {
      std::string file = JoinPath(w.dir, name);
      if (inotify_add_watch(w.event.get(), file.c_str(), IN_MODIFY) < 0) {
        return ErrnoStatus("inotify_add_watch", file);
      }
    }
    return w;
  }

  absl::StatusOr<Stats> ReadStats() const override {
    if (!Exists()) {
      return absl::NotFoundError(
          absl::StrCat("read stats of cgroup ", path_, ": it does not exist"));
    }
    Stats st;
    auto opt = [](absl::StatusOr<uint64_t> v) -> absl::optional<uint64_t> {
      if (!v.ok()) return absl::nullopt;
      return *v;
    };
    std::string dir = Dir();
    st.memory_usage = opt(ReadUint64(JoinPath(dir, "memory.current")));
    st.memory_max_usage = opt(ReadUint64(JoinPath(dir, "memory.peak")));
    st.memory_limit = opt(ReadUint64(JoinPath(dir, "memory.max")));
    st.oom_kills =
        opt(ReadKeyedUint64(JoinPath(dir, "memory.events"), "oom_kill"));
    st.pids_current = opt(ReadUint64(JoinPath(dir, "pids.current")));
    st.pids_limit = opt(ReadUint64(JoinPath(dir, "pids.max")));
    absl::optional<uint64_t> usec =
        opt(ReadKeyedUint64(JoinPath(dir, "cpu.stat"), "usage_usec"));
    if (usec) st.cpu_usage_ns = *usec * 1000;
    st.memory_inactive_file =
        opt(ReadKeyedUint64(JoinPath(dir, "memory.stat"), "inactive_file"));
    absl::StatusOr<std::string> io =
        ReadFile(JoinPath(dir, "io.stat"), 1 << 20);
    if (io.ok()) {
      std::tie(st.block_read_bytes.emplace(), st.block_write_bytes.emplace()) =
          SumIoStatBytes(*io);
    }
    return st;
  }

  absl::Status Freeze(absl::Duration timeout) override {
    return SetFrozen(true, timeout);
  }

  absl::Status Thaw(absl::Duration timeout) override {
    return SetFrozen(false, timeout);
  }

  absl::StatusOr<FreezerState> GetFreezerState() const override {
    std::string freeze = JoinPath(Dir(), "cgroup.freeze");
    if (!Exists()) return Missing("freezer state of");
    if (!PathExists(freeze)) {
      return absl::UnimplementedError(
          absl::StrCat("freezer state of cgroup ", path_, ": ", freeze,
                       " is missing (kernel older than 5.2)"));
    }
    ASSIGN_OR_RETURN(std::string want, ReadTrimmed(freeze));
    ASSIGN_OR_RETURN(
        uint64_t frozen,
        ReadKeyedUint64(JoinPath(Dir(), "cgroup.events"), "frozen"));
    if (want == "1") {
      return frozen == 1 ? FreezerState::kFrozen : FreezerState::kFreezing;
    }
    return FreezerState::kThawed;
  }

  absl::Status Kill(int signal) override {
    std::string kill_file = JoinPath(Dir(), "cgroup.kill");
    if (signal == SIGKILL && PathExists(kill_file)) {
      // One write, and the kernel takes care of racing forks (5.14+).
      return WriteExistingFile(kill_file, "1");
    }
    bool frozen = Freeze(absl::Seconds(2)).ok();
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
      RETURN_IF_ERROR(WaitFor(
          [this]() -> absl::StatusOr<bool> {
            ASSIGN_OR_RETURN(std::vector<pid_t> pids, Pids());
            return pids.empty();
          },
          absl::Seconds(5),
          absl::StrCat("wait for cgroup ", path_, " to empty after SIGKILL")));
    }
    RETURN_IF_ERROR(RemoveCgroupDir(Dir(), absl::Seconds(1)));
    for (auto it = created_.rbegin(); it != created_.rend(); ++it) {
      ::rmdir(it->c_str());
    }
    created_.clear();
    return absl::OkStatus();
  }

  bool Exists() const override {
    struct stat st;
    return ::stat(Dir().c_str(), &st) == 0 && S_ISDIR(st.st_mode);
  }

 private:
  std::string Dir() const { return JoinPath(root_, path_); }

  absl::Status Missing(absl::string_view op) const {
    return absl::NotFoundError(
        absl::StrCat(op, " cgroup ", path_, ": ", Dir(), " does not exist"));
  }

  absl::Status SetFrozen(bool frozen, absl::Duration timeout) {
    std::string freeze = JoinPath(Dir(), "cgroup.freeze");
    if (!Exists()) return Missing(frozen ? "freeze" : "thaw");
    if (!PathExists(freeze)) {
      return absl::UnimplementedError(
          absl::StrCat("freeze cgroup ", path_, ": ", freeze,
                       " is missing (kernel older than 5.2)"));
    }
    RETURN_IF_ERROR(WriteExistingFile(freeze, frozen ? "1" : "0"));
    std::string events = JoinPath(Dir(), "cgroup.events");
    absl::Status s = WaitFor(
        [&]() -> absl::StatusOr<bool> {
          ASSIGN_OR_RETURN(uint64_t v, ReadKeyedUint64(events, "frozen"));
          return v == (frozen ? 1u : 0u);
        },
        timeout,
        absl::StrCat("wait for ", events, " to say frozen ", frozen ? 1 : 0));
    if (!s.ok() && frozen) (void)WriteExistingFile(freeze, "0");
    return s;
  }

  std::vector<std::string> created_;
};

}  // namespace

std::unique_ptr<Cgroup> NewV2Cgroup(std::string root, std::string path) {
  return std::make_unique<V2Cgroup>(std::move(root), std::move(path));
}

}  // namespace internal
}  // namespace cgroups
}  // namespace crate
