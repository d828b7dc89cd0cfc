// The systemd cgroup driver (--systemd-cgroup) behind the Cgroup interface:
// the container's cgroup is a transient scope unit that systemd makes when
// the init's pid is added (AddPid), with the limits systemd has properties
// for; the rest, and everything that only reads or signals (Pids, Stats,
// Freeze, Kill), goes to the v1 or v2 cgroupfs backend pointed at the
// scope's directory, as runc and crun do. Destroy stops the unit.
//
//   ASSIGN_OR_RETURN(auto cg, systemd::SystemdCgroup::New(options));
//   RETURN_IF_ERROR(cg->Create());        // connects to systemd
//   RETURN_IF_ERROR(cg->Apply(resources)); // remembered until the start
//   RETURN_IF_ERROR(cg->AddPid(init));    // StartTransientUnit, waits
#ifndef CRATE_RUNTIME_CGROUPS_SYSTEMD_SYSTEMD_CGROUP_H_
#define CRATE_RUNTIME_CGROUPS_SYSTEMD_SYSTEMD_CGROUP_H_

#include <map>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/types/optional.h"
#include "runtime/cgroups/cgroup.h"
#include "runtime/cgroups/systemd/scope_plan.h"
#include "runtime/cgroups/systemd/sd_bus.h"

namespace crate {
namespace cgroups {
namespace systemd {

struct Options {
  std::string root = kDefaultRoot;
  std::string cgroups_path;  // linux.cgroupsPath: "slice:prefix:name".
  std::string id;
  // The user's own service manager (an unprivileged caller).
  bool user = false;
  // The spec's annotations (org.systemd.property.* become properties).
  std::map<std::string, std::string> annotations;
};

class SystemdCgroup : public Cgroup {
 public:
  // A scope still to be started; nothing is asked of systemd yet.
  static absl::StatusOr<std::unique_ptr<SystemdCgroup>> New(
      const Options& options);
  // A started scope, as recorded: its unit and its cgroup below `root`.
  static absl::StatusOr<std::unique_ptr<SystemdCgroup>> Open(
      const std::string& root, const std::string& unit, bool user,
      const std::string& path);

  const std::string& unit() const { return name_.unit; }
  bool user() const { return user_; }

  Mode mode() const override { return mode_; }
  absl::Status Create() override;
  absl::StatusOr<Plan> PlanResources(const Resources& r) const override;
  absl::Status Apply(const Resources& r) override;
  absl::Status AddPid(pid_t pid) override;
  // Once the scope exists it is an ordinary cgroup directory that a new
  // process (exec's) may join by itself; before, systemd must place the
  // init.
  SelfJoin SelfJoinPaths() const override;
  absl::StatusOr<std::vector<pid_t>> Pids() const override;
  absl::StatusOr<Stats> ReadStats() const override;
  absl::StatusOr<OomWatch> WatchOom() const override;
  absl::Status Freeze(absl::Duration timeout) override;
  absl::Status Thaw(absl::Duration timeout) override;
  absl::StatusOr<FreezerState> GetFreezerState() const override;
  absl::Status Kill(int signal) override;
  absl::Status Destroy(bool force) override;
  bool Exists() const override;

 private:
  SystemdCgroup(std::string root, std::string path, Mode mode, UnitName name,
                bool user, std::string id, bool started);

  absl::Status Connect();
  absl::Status OpenInner();
  absl::StatusOr<PlanInput> MakeInput(const Resources* r);

  Mode mode_;
  UnitName name_;
  bool user_;
  std::string id_;
  std::string cgroups_path_;
  std::map<std::string, std::string> annotations_;
  bool started_;
  std::unique_ptr<Bus> bus_;
  int version_ = 0;
  absl::optional<Resources> pending_;
  std::unique_ptr<Cgroup> inner_;
};

// The cgroup of `pid` as /proc/PID/cgroup says (v2's "0::" line, or v1's
// memory controller line), without the leading '/'.
absl::StatusOr<std::string> ProcessCgroup(pid_t pid, bool v2);

// /proc/devices' "Character devices:" or "Block devices:" section.
std::map<int64_t, std::string> ParseProcDevices(absl::string_view text,
                                                bool block);

}  // namespace systemd
}  // namespace cgroups
}  // namespace crate

#endif  // CRATE_RUNTIME_CGROUPS_SYSTEMD_SYSTEMD_CGROUP_H_
