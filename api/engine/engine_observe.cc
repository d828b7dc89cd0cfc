// The engine's observing side: the events it journals, the exit watch of
// an events stream, and update, stats and top of a running container
// (docs/SERVICE.md, "Events, stats, update and top").
#include <sys/sysinfo.h>
#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "api/engine/engine.h"
#include "runtime/base/errno_status.h"
#include "runtime/base/file_util.h"
#include "runtime/base/status_macros.h"
#include "runtime/linux/container.h"
#include "runtime/oci/spec_json.h"

namespace crate::engine {

void Engine::Journal(const ContainerRecord& record, absl::string_view action,
                     std::map<std::string, std::string> attributes,
                     absl::Time at) {
  Event e;
  e.time = at;
  e.type = "container";
  e.action = std::string(action);
  e.id = record.id;
  e.name = record.name;
  // docker's attributes: the labels, then image and name over them.
  e.attributes = record.labels;
  e.attributes["image"] = record.image;
  e.attributes["name"] = record.name;
  for (auto& [k, v] : attributes) e.attributes[k] = std::move(v);
  events_->Append(e).IgnoreError();
}

void Engine::JournalExit(const ContainerRecord& record,
                         const shim::ExitStatus& exit) {
  if (exit.oom_killed) Journal(record, "oom", {}, exit.finished_at);
  Journal(record, "die", {{"exitCode", std::to_string(exit.exit_code)}},
          exit.finished_at);
}

absl::StatusOr<std::unique_ptr<ExitWatcher>> Engine::WatchExits() {
  ASSIGN_OR_RETURN(std::unique_ptr<ExitWatcher> watcher,
                   ExitWatcher::Open(JoinPath(options_.root, "containers")));
  // Exits from before the watch (crated was away, or nobody looked).
  ASSIGN_OR_RETURN(ContainerList all, containers_->List());
  for (const ContainerRecord& r : all.records) {
    if (r.state == ContainerState::kCreated ||
        r.state == ContainerState::kRunning) {
      Refresh(r);
    }
  }
  return watcher;
}

void Engine::NoteExits(const std::vector<std::string>& ids) {
  for (const std::string& id : ids) {
    absl::StatusOr<ContainerRecord> r = containers_->Get(id);
    if (r.ok()) Refresh(*r);
  }
}

absl::Status Engine::Update(const std::string& ref, const ResourceUpdate& u) {
  ASSIGN_OR_RETURN(ContainerRecord record, containers_->Resolve(ref));
  ContainerInfo info = Refresh(record);
  if (info.status != Status::kRunning && info.status != Status::kCreated) {
    return absl::FailedPreconditionError(
        absl::StrCat("container ", record.name, " is ", StatusName(info.status),
                     ": only a running or created container can be updated"));
  }
  std::lock_guard<std::mutex> lock(update_mu_);
  const std::string config =
      JoinPath(containers_->ContainerDir(record.id), "config.json");
  ASSIGN_OR_RETURN(std::string text, ReadFile(config, 16 << 20));
  absl::StatusOr<oci::Spec> spec = oci::ParseSpec(text);
  if (!spec.ok()) return Annotate(spec.status(), config);
  if (!spec->linux) spec->linux.emplace();
  const long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  ASSIGN_OR_RETURN(
      ResourceChange change,
      PlanResourceUpdate(spec->linux->resources.value_or(oci::Resources{}), u,
                         cpus > 0 ? static_cast<int>(cpus) : 1));
  const std::string what = absl::StrCat("update container ", record.name);
  absl::StatusOr<linux::Container> runtime =
      linux::Container::Load(RuntimeRoot(), record.id);
  if (!runtime.ok()) return Annotate(runtime.status(), what);
  absl::Status applied = runtime->Update(change.apply);
  if (!applied.ok()) {
    // The limits written before the one refused go back to what they were.
    runtime->Update(change.undo).IgnoreError();
    return Annotate(applied, what);
  }
  spec->linux->resources = change.saved;
  absl::Status saved = WriteFileAtomic(config, oci::SpecToJson(*spec), 0600);
  if (!saved.ok()) {
    runtime->Update(change.undo).IgnoreError();
    return Annotate(saved, what);
  }
  Journal(record, "update");
  return absl::OkStatus();
}

absl::StatusOr<ContainerStats> Engine::Stats(const std::string& ref) {
  ASSIGN_OR_RETURN(ContainerRecord record, containers_->Resolve(ref));
  ContainerInfo info = Refresh(record);
  if (info.removed) {
    return absl::NotFoundError(
        absl::StrCat("no such container: ", ref, " (removed on exit)"));
  }
  ContainerStats out;
  out.id = record.id;
  out.name = record.name;
  out.read_at = absl::Now();
  RETURN_IF_ERROR(FillHostCpu(&out));
  if (info.status != Status::kRunning) return out;
  absl::StatusOr<linux::Container> runtime =
      linux::Container::Load(RuntimeRoot(), record.id);
  if (!runtime.ok()) return out;
  absl::StatusOr<cgroups::Stats> cg = runtime->Stats();
  // Exited between the look and the read: a stopped container's zeros.
  if (!cg.ok()) return out;
  struct sysinfo si;
  uint64_t host_memory =
      sysinfo(&si) == 0 ? static_cast<uint64_t>(si.totalram) * si.mem_unit : 0;
  out.running = true;
  FillFromCgroup(*cg, host_memory, &out);
  return out;
}

absl::StatusOr<TopResult> Engine::Top(const std::string& ref,
                                      const std::vector<std::string>& ps_args) {
  ASSIGN_OR_RETURN(ContainerRecord record, containers_->Resolve(ref));
  if (Refresh(record).status != Status::kRunning) {
    return absl::FailedPreconditionError(
        absl::StrCat("container ", record.name, " is not running"));
  }
  ASSIGN_OR_RETURN(linux::Container runtime,
                   linux::Container::Load(RuntimeRoot(), record.id));
  ASSIGN_OR_RETURN(std::vector<pid_t> pids, runtime.Pids());
  ASSIGN_OR_RETURN(std::string out, RunPs(TopArgs(ps_args)));
  return ParsePsOutput(out, pids);
}

}  // namespace crate::engine
