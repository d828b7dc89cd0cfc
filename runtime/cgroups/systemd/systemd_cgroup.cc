#include "runtime/cgroups/systemd/systemd_cgroup.h"

#include <signal.h>
#include <unistd.h>

#include <string>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "runtime/base/file_util.h"
#include "runtime/base/status_macros.h"

namespace crate {
namespace cgroups {
namespace systemd {
namespace {

// runc's: long enough for a loaded host, short enough to report a hang.
constexpr absl::Duration kJobTimeout = absl::Seconds(30);

absl::Status NotStarted(const std::string& unit, absl::string_view op) {
  return absl::FailedPreconditionError(
      absl::StrCat(op, ": systemd scope ", unit, " is not started yet"));
}

bool EmptyResources(const Resources& r) {
  return !r.memory && !r.cpu && !r.pids && !r.block_io &&
         r.hugepage_limits.empty() && r.devices.empty() && r.rdma.empty() &&
         !r.network && r.unified.empty();
}

}  // namespace

SystemdCgroup::SystemdCgroup(std::string root, std::string path, Mode mode,
                             UnitName name, bool user, std::string id,
                             bool started)
    : Cgroup(std::move(root), std::move(path)),
      mode_(mode),
      name_(std::move(name)),
      user_(user),
      id_(std::move(id)),
      started_(started) {}

absl::StatusOr<std::unique_ptr<SystemdCgroup>> SystemdCgroup::New(
    const Options& o) {
  ASSIGN_OR_RETURN(UnitName name,
                   ParseCgroupsPath(o.cgroups_path, o.id, o.user));
  absl::StatusOr<std::string> slice_dir = ExpandSlice(name.slice);
  if (!slice_dir.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("linux.cgroupsPath \"", o.cgroups_path,
                     "\": ", slice_dir.status().message()));
  }
  ASSIGN_OR_RETURN(Mode mode, DetectMode(o.root));
  std::string path =
      slice_dir->empty() ? name.unit : absl::StrCat(*slice_dir, "/", name.unit);
  auto cg = std::unique_ptr<SystemdCgroup>(new SystemdCgroup(
      o.root, std::move(path), mode, std::move(name), o.user, o.id, false));
  // Checked now, before anything exists.
  RETURN_IF_ERROR(AnnotationProperties(o.annotations).status());
  cg->cgroups_path_ = o.cgroups_path;
  cg->annotations_ = o.annotations;
  return cg;
}

absl::StatusOr<std::unique_ptr<SystemdCgroup>> SystemdCgroup::Open(
    const std::string& root, const std::string& unit, bool user,
    const std::string& path) {
  ASSIGN_OR_RETURN(std::string normal, NormalizeCgroupPath(path));
  ASSIGN_OR_RETURN(Mode mode, DetectMode(root));
  auto cg = std::unique_ptr<SystemdCgroup>(new SystemdCgroup(
      root, std::move(normal), mode, UnitName{"", unit}, user, "", true));
  RETURN_IF_ERROR(cg->OpenInner());
  return cg;
}

absl::Status SystemdCgroup::Connect() {
  if (bus_ != nullptr) return absl::OkStatus();
  ASSIGN_OR_RETURN(bus_, Bus::Open(user_));
  return absl::OkStatus();
}

absl::Status SystemdCgroup::OpenInner() {
  cgroups::Options o;
  o.root = root_;
  o.path = path_;
  o.mode = mode_;
  ASSIGN_OR_RETURN(inner_, OpenCgroup(o));
  return absl::OkStatus();
}

absl::Status SystemdCgroup::Create() {
  if (started_) return absl::OkStatus();
  RETURN_IF_ERROR(Connect());
  ASSIGN_OR_RETURN(version_, bus_->Version());
  if (user_) {
    // A user manager's units live below its own cgroup
    // ("user.slice/user-1000.slice/user@1000.service/user.slice/...").
    absl::StatusOr<std::string> base = bus_->ControlGroup();
    if (!base.ok()) return base.status();
    absl::string_view b = *base;
    absl::ConsumePrefix(&b, "/");
    if (!b.empty()) path_ = absl::StrCat(b, "/", path_);
  }
  return absl::OkStatus();
}

absl::StatusOr<Plan> SystemdCgroup::PlanResources(const Resources& r) const {
  PlanInput in;
  in.v2 = mode_ == Mode::kV2;
  in.systemd_version = version_;
  ASSIGN_OR_RETURN(ResourcePlan plan, systemd::PlanResources(r, in));
  if (inner_ == nullptr) return Plan{};
  return inner_->PlanResources(plan.leftovers);
}

absl::StatusOr<PlanInput> SystemdCgroup::MakeInput(const Resources* r) {
  PlanInput in;
  in.v2 = mode_ == Mode::kV2;
  if (version_ == 0 && bus_ != nullptr) {
    ASSIGN_OR_RETURN(version_, bus_->Version());
  }
  in.systemd_version = version_;
  if (r != nullptr && !r->devices.empty()) {
    absl::StatusOr<std::string> devices = ReadFile("/proc/devices");
    if (devices.ok()) {
      in.char_majors = ParseProcDevices(*devices, false);
      in.block_majors = ParseProcDevices(*devices, true);
    }
  }
  return in;
}

absl::Status SystemdCgroup::Apply(const Resources& r) {
  RETURN_IF_ERROR(ValidateResources(r));
  if (!started_) {
    // systemd makes the scope only with a process in it: the limits go
    // with StartTransientUnit.
    pending_ = r;
    return absl::OkStatus();
  }
  RETURN_IF_ERROR(Connect());
  ASSIGN_OR_RETURN(PlanInput in, MakeInput(&r));
  ASSIGN_OR_RETURN(ResourcePlan plan, systemd::PlanResources(r, in));
  if (!plan.properties.empty()) {
    RETURN_IF_ERROR(bus_->SetUnitProperties(name_.unit, plan.properties));
  }
  if (EmptyResources(plan.leftovers)) return absl::OkStatus();
  return inner_->Apply(plan.leftovers);
}

absl::Status SystemdCgroup::AddPid(pid_t pid) {
  if (started_) return inner_->AddPid(pid);
  RETURN_IF_ERROR(Connect());
  ScopeRequest req;
  req.cgroups_path = cgroups_path_;
  req.id = id_;
  req.rootless = user_;
  req.pid = pid;
  req.resources = pending_ ? &*pending_ : nullptr;
  req.annotations = annotations_;
  ASSIGN_OR_RETURN(req.input, MakeInput(req.resources));
  ASSIGN_OR_RETURN(ScopePlan plan, PlanScope(req));
  RETURN_IF_ERROR(
      bus_->StartTransientUnit(name_.unit, plan.properties, kJobTimeout));
  started_ = true;
  // Where systemd really put it (a user manager's prefix, a slice made
  // elsewhere): the kernel's answer beats the computed one.
  absl::StatusOr<std::string> actual = ProcessCgroup(pid, mode_ == Mode::kV2);
  if (actual.ok() && !actual->empty()) path_ = *actual;
  RETURN_IF_ERROR(OpenInner());
  if (mode_ != Mode::kV2) {
    // systemd makes the scope only in the v1 controllers it manages; the
    // others (cpuset, net_cls, ...) get it here, as in runc.
    RETURN_IF_ERROR(inner_->Create());
    RETURN_IF_ERROR(inner_->AddPid(pid));
  }
  if (EmptyResources(plan.leftovers)) return absl::OkStatus();
  return inner_->Apply(plan.leftovers);
}

Cgroup::SelfJoin SystemdCgroup::SelfJoinPaths() const {
  if (inner_ == nullptr) return {};
  return inner_->SelfJoinPaths();
}

absl::StatusOr<std::vector<pid_t>> SystemdCgroup::Pids() const {
  if (inner_ == nullptr) return NotStarted(name_.unit, "list pids");
  return inner_->Pids();
}

absl::StatusOr<Stats> SystemdCgroup::ReadStats() const {
  if (inner_ == nullptr) return NotStarted(name_.unit, "read stats");
  return inner_->ReadStats();
}

absl::StatusOr<OomWatch> SystemdCgroup::WatchOom() const {
  if (inner_ == nullptr) return NotStarted(name_.unit, "watch OOM");
  return inner_->WatchOom();
}

absl::Status SystemdCgroup::Freeze(absl::Duration timeout) {
  if (inner_ == nullptr) return NotStarted(name_.unit, "freeze");
  return inner_->Freeze(timeout);
}

absl::Status SystemdCgroup::Thaw(absl::Duration timeout) {
  if (inner_ == nullptr) return NotStarted(name_.unit, "thaw");
  return inner_->Thaw(timeout);
}

absl::StatusOr<FreezerState> SystemdCgroup::GetFreezerState() const {
  if (inner_ == nullptr) return NotStarted(name_.unit, "freezer state");
  return inner_->GetFreezerState();
}

absl::Status SystemdCgroup::Kill(int signal) {
  if (inner_ == nullptr) return NotStarted(name_.unit, "kill");
  return inner_->Kill(signal);
}

absl::Status SystemdCgroup::Destroy(bool force) {
  if (!started_) return absl::OkStatus();
  if (force && inner_->Exists()) {
    // Stopping a scope with processes costs systemd's SIGTERM timeout;
    // they are killed here first. systemd removes an emptied scope by
    // itself, maybe right now: a directory gone meanwhile is no error.
    absl::Status killed = inner_->Kill(SIGKILL);
    if (!killed.ok() && inner_->Exists()) return killed;
    absl::Time deadline = absl::Now() + absl::Seconds(5);
    while (true) {
      absl::StatusOr<std::vector<pid_t>> pids = inner_->Pids();
      if (!pids.ok() || pids->empty()) break;
      if (absl::Now() >= deadline) {
        return absl::DeadlineExceededError(
            absl::StrCat("systemd scope ", name_.unit, ": ", pids->size(),
                         " processes left after SIGKILL"));
      }
      absl::SleepFor(absl::Milliseconds(5));
    }
  }
  absl::Status connected = Connect();
  if (!connected.ok()) {
    // With its cgroup gone the scope has ended, and systemd drops an ended
    // scope by itself: a container outliving its systemd can be deleted.
    if (inner_->Exists()) return connected;
    return inner_->Destroy(/*force=*/false);
  }
  RETURN_IF_ERROR(bus_->StopUnit(name_.unit, kJobTimeout));
  // systemd removes the directories it made; on v1 the controllers it does
  // not manage still hold the scope's directory.
  return inner_->Destroy(/*force=*/false);
}

bool SystemdCgroup::Exists() const {
  return inner_ != nullptr && inner_->Exists();
}

absl::StatusOr<std::string> ProcessCgroup(pid_t pid, bool v2) {
  std::string file = absl::StrCat("/proc/", pid, "/cgroup");
  ASSIGN_OR_RETURN(std::string text, ReadFile(file));
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    std::vector<absl::string_view> f =
        absl::StrSplit(line, absl::MaxSplits(':', 2));
    if (f.size() != 3) continue;
    bool match =
        v2 ? (f[0] == "0" && f[1].empty())
           : absl::StrContains(absl::StrCat(",", f[1], ","), ",memory,");
    if (!match) continue;
    absl::string_view path = f[2];
    absl::ConsumePrefix(&path, "/");
    return std::string(path);
  }
  return absl::NotFoundError(absl::StrCat(
      "read ", file, ": no ", v2 ? "cgroup2" : "memory controller", " line"));
}

std::map<int64_t, std::string> ParseProcDevices(absl::string_view text,
                                                bool block) {
  std::map<int64_t, std::string> out;
  bool in_section = false;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (line == "Character devices:") {
      in_section = !block;
      continue;
    }
    if (line == "Block devices:") {
      in_section = block;
      continue;
    }
    if (!in_section) continue;
    std::pair<absl::string_view, absl::string_view> kv = absl::StrSplit(
        absl::StripLeadingAsciiWhitespace(line), absl::MaxSplits(' ', 1));
    int64_t major;
    if (!absl::SimpleAtoi(kv.first, &major) || kv.second.empty()) continue;
    out.emplace(major, std::string(kv.second));
  }
  return out;
}

}  // namespace systemd
}  // namespace cgroups
}  // namespace crate
