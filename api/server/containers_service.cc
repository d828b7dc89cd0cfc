#include "api/server/containers_service.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "api/engine/container_prune.h"
#include "api/server/process_relay.h"
#include "api/server/status_convert.h"
#include "runtime/shim/cri_log.h"

namespace crate::server {
namespace {

int64_t UnixNanos(absl::Time t) {
  return t != absl::InfinitePast() ? absl::ToUnixNanos(t) : 0;
}
int64_t UnixNanos(const absl::optional<absl::Time>& t) {
  return t ? UnixNanos(*t) : 0;
}
int64_t UnixNanos(const std::optional<absl::Time>& t) {
  return t ? UnixNanos(*t) : 0;
}

crate::v1::ContainerStatus ToProto(engine::Status s) {
  switch (s) {
    case engine::Status::kCreated:
    case engine::Status::kCreating:
      return crate::v1::CREATED;
    case engine::Status::kRunning:
      return crate::v1::RUNNING;
    case engine::Status::kExited:
      return crate::v1::EXITED;
    case engine::Status::kRemoving:
      return crate::v1::REMOVING;
  }
  return crate::v1::STATUS_UNKNOWN;
}

void FillSummary(const engine::ContainerInfo& c,
                 crate::v1::ContainerSummary* out) {
  out->set_id(c.record.id);
  out->set_name(c.record.name);
  out->set_image(c.record.image);
  out->set_image_id(c.record.image_id);
  for (const std::string& a : c.command) out->add_command(a);
  out->set_created_unix_nanos(UnixNanos(c.record.created));
  out->set_status(ToProto(c.status));
  out->set_started_unix_nanos(UnixNanos(c.record.started_at));
  out->set_finished_unix_nanos(UnixNanos(c.finished_at));
  out->set_exit_code(c.exit_code);
  for (const auto& [k, v] : c.record.labels) (*out->mutable_labels())[k] = v;
  out->set_pid(c.status == engine::Status::kRunning ? c.pid : 0);
}

}  // namespace

absl::StatusOr<engine::CreateOptions> ToCreateOptions(
    const crate::v1::CreateContainerRequest& request) {
  const crate::v1::ContainerConfig& c = request.config();
  engine::CreateOptions o;
  o.name = request.name();
  o.image = c.image();
  if (c.entrypoint_set()) {
    o.spec.entrypoint =
        std::vector<std::string>(c.entrypoint().begin(), c.entrypoint().end());
  }
  o.spec.cmd.assign(c.cmd().begin(), c.cmd().end());
  o.spec.env.assign(c.env().begin(), c.env().end());
  o.spec.working_dir = c.working_dir();
  o.spec.user = c.user();
  o.spec.hostname = c.hostname();
  for (const auto& [k, v] : c.labels()) o.spec.labels[k] = v;
  o.spec.tty = c.tty();
  o.spec.stdin_open = c.open_stdin();
  o.spec.read_only = c.read_only_rootfs();
  for (const crate::v1::Mount& m : c.mounts()) {
    container::Mount mount;
    switch (m.type()) {
      case crate::v1::Mount::BIND:
        mount.type = container::MountType::kBind;
        break;
      case crate::v1::Mount::TMPFS:
        mount.type = container::MountType::kTmpfs;
        break;
      case crate::v1::Mount::VOLUME:
        // The engine finds or makes the volume (an empty name: an
        // anonymous one) and sets the source to its directory.
        mount.type = container::MountType::kVolume;
        mount.volume_name = m.source();
        break;
      default:
        return absl::InvalidArgumentError(absl::StrCat("mounts: unknown type ",
                                                       m.type(), " for \"",
                                                       m.destination(), "\""));
    }
    if (mount.type != container::MountType::kVolume) mount.source = m.source();
    mount.destination = m.destination();
    mount.read_only = m.read_only();
    mount.options = m.options();
    o.spec.mounts.push_back(mount);
  }
  o.spec.memory = c.resources().memory_bytes();
  o.spec.memory_swap = c.resources().memory_swap_bytes();
  o.spec.cpus = c.resources().cpus();
  o.spec.cpu_shares = c.resources().cpu_shares();
  o.spec.pids_limit = c.resources().pids_limit();
  o.spec.cap_add.assign(c.cap_add().begin(), c.cap_add().end());
  o.spec.cap_drop.assign(c.cap_drop().begin(), c.cap_drop().end());
  o.spec.security_opts.assign(c.security_opt().begin(), c.security_opt().end());
  o.spec.privileged = c.privileged();
  o.spec.network = c.network();
  for (const auto& [k, v] : c.sysctls()) o.spec.sysctls[k] = v;
  o.spec.ulimits.assign(c.ulimits().begin(), c.ulimits().end());
  o.stop_signal = c.stop_signal();
  if (c.stop_timeout_seconds() > 0) {
    o.stop_timeout_seconds = c.stop_timeout_seconds();
  }
  o.auto_remove = c.auto_remove();
  return o;
}

grpc::Status ContainersService::Create(
    grpc::ServerContext* context,
    const crate::v1::CreateContainerRequest* request,
    crate::v1::CreateContainerResponse* response) {
  absl::StatusOr<engine::CreateOptions> options = ToCreateOptions(*request);
  if (!options.ok()) return ToGrpcStatus(options.status());
  absl::StatusOr<engine::ContainerInfo> info = engine_->Create(*options);
  if (!info.ok()) return ToGrpcStatus(info.status());
  response->set_id(info->record.id);
  return grpc::Status::OK;
}

grpc::Status ContainersService::Start(
    grpc::ServerContext* context,
    const crate::v1::StartContainerRequest* request,
    crate::v1::StartContainerResponse* response) {
  return ToGrpcStatus(engine_->Start(request->container()));
}

grpc::Status ContainersService::Stop(
    grpc::ServerContext* context,
    const crate::v1::StopContainerRequest* request,
    crate::v1::StopContainerResponse* response) {
  absl::optional<int> timeout;
  if (request->timeout_seconds() >= 0) timeout = request->timeout_seconds();
  return ToGrpcStatus(engine_->Stop(request->container(), timeout));
}

grpc::Status ContainersService::Kill(
    grpc::ServerContext* context,
    const crate::v1::KillContainerRequest* request,
    crate::v1::KillContainerResponse* response) {
  return ToGrpcStatus(engine_->Kill(request->container(), request->signal()));
}

grpc::Status ContainersService::Remove(
    grpc::ServerContext* context,
    const crate::v1::RemoveContainerRequest* request,
    crate::v1::RemoveContainerResponse* response) {
  return ToGrpcStatus(engine_->Remove(request->container(), request->force(),
                                      request->volumes()));
}

grpc::Status ContainersService::List(
    grpc::ServerContext* context,
    const crate::v1::ListContainersRequest* request,
    crate::v1::ListContainersResponse* response) {
  engine::ListOptions options;
  options.all = request->all();
  options.filters.assign(request->filters().begin(), request->filters().end());
  options.limit = request->limit();
  absl::StatusOr<std::vector<engine::ContainerInfo>> all =
      engine_->List(options);
  if (!all.ok()) return ToGrpcStatus(all.status());
  for (const engine::ContainerInfo& c : *all) {
    FillSummary(c, response->add_containers());
  }
  return grpc::Status::OK;
}

grpc::Status ContainersService::Inspect(
    grpc::ServerContext* context,
    const crate::v1::InspectContainerRequest* request,
    crate::v1::InspectContainerResponse* response) {
  absl::StatusOr<engine::ContainerInfo> c =
      engine_->Inspect(request->container());
  if (!c.ok()) return ToGrpcStatus(c.status());
  FillSummary(*c, response->mutable_summary());
  response->set_exit_reason(c->exit_reason);
  response->set_log_path(c->log_path);
  response->set_bundle(c->bundle);
  response->mutable_config()->set_image(c->record.image);
  crate::v1::ContainerConfig& config = *response->mutable_config();
  config.set_tty(c->record.config.value("tty", false));
  config.set_open_stdin(c->record.config.value("stdin", false));
  config.set_auto_remove(c->record.config.value("auto_remove", false));
  config.set_stop_signal(c->record.config.value("stop_signal", ""));
  config.set_stop_timeout_seconds(c->record.config.value("stop_timeout", 10));
  for (const auto& [k, v] : c->record.labels) (*config.mutable_labels())[k] = v;
  return grpc::Status::OK;
}

grpc::Status ContainersService::Wait(
    grpc::ServerContext* context,
    const crate::v1::WaitContainerRequest* request,
    crate::v1::WaitContainerResponse* response) {
  absl::StatusOr<engine::ExitResult> exit = engine_->Wait(request->container());
  if (!exit.ok()) return ToGrpcStatus(exit.status());
  response->set_exit_code(exit->exit_code);
  response->set_finished_unix_nanos(UnixNanos(exit->finished_at));
  return grpc::Status::OK;
}

grpc::Status ContainersService::Logs(
    grpc::ServerContext* context, const crate::v1::LogsRequest* request,
    grpc::ServerWriter<crate::v1::LogEntry>* writer) {
  absl::StatusOr<engine::ContainerInfo> c =
      engine_->Inspect(request->container());
  if (!c.ok()) return ToGrpcStatus(c.status());
  const bool want_stdout = request->stdout() || !request->stderr();
  const bool want_stderr = request->stderr() || !request->stdout();
  bool client_gone = false;
  auto send = [&](const shim::CriRecord& r) -> absl::Status {
    if (r.stream == shim::Stream::kStdout ? !want_stdout : !want_stderr) {
      return absl::OkStatus();
    }
    crate::v1::LogEntry entry;
    entry.set_stream(r.stream == shim::Stream::kStdout
                         ? crate::v1::LogEntry::STDOUT
                         : crate::v1::LogEntry::STDERR);
    entry.set_time_unix_nanos(absl::ToUnixNanos(r.time));
    entry.set_line(r.text);
    if (!writer->Write(entry)) {
      client_gone = true;
      return absl::CancelledError("client went away");
    }
    return absl::OkStatus();
  };
  shim::CriLogReadOptions read;
  if (request->since_unix_nanos() > 0) {
    read.since = absl::FromUnixNanos(request->since_unix_nanos());
  }
  read.tail =
      request->has_tail() && request->tail() >= 0 ? request->tail() : -1;
  absl::StatusOr<shim::CriLogReadResult> done =
      shim::ReadCriLog(c->log_path, read, send);
  if (!done.ok() && !absl::IsNotFound(done.status()) && !client_gone) {
    return ToGrpcStatus(done.status());
  }
  if (!request->follow() || client_gone) return grpc::Status::OK;
  // Follow: new lines as the shim writes them, until the container has
  // exited and its log is drained, or the client goes.
  shim::CriLogFollower follower(c->log_path,
                                done.ok() ? done->end : shim::CriLogPosition{});
  // Polled: soon after a change (a short-lived container's exit is seen
  // within milliseconds), backing off to 100 ms while nothing happens.
  int64_t lines_seen = -1;
  int interval_ms = 2;
  for (;;) {
    if (context->IsCancelled()) return grpc::Status::OK;
    int64_t offset_before = follower.position().offset;
    absl::Status s = follower.Poll(send);
    if (client_gone) return grpc::Status::OK;
    if (follower.position().offset != offset_before || lines_seen < 0) {
      interval_ms = 2;
      lines_seen = follower.position().offset;
    } else {
      interval_ms = std::min(interval_ms * 2, 100);
    }
    absl::StatusOr<engine::ContainerInfo> now =
        engine_->Inspect(request->container());
    if (!now.ok() || now->status == engine::Status::kExited) {
      follower.Poll(send).IgnoreError();
      follower.Finish(send).IgnoreError();
      return grpc::Status::OK;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(interval_ms));
  }
}

engine::ExecOptions ToExecOptions(const crate::v1::ExecStart& start) {
  engine::ExecOptions o;
  o.cmd.assign(start.cmd().begin(), start.cmd().end());
  o.env.assign(start.env().begin(), start.env().end());
  o.working_dir = start.working_dir();
  o.user = start.user();
  o.tty = start.tty();
  o.stdin = start.stdin();
  o.detach = start.detach();
  return o;
}

grpc::Status ContainersService::Exec(
    grpc::ServerContext* context,
    grpc::ServerReaderWriter<crate::v1::ExecResponse, crate::v1::ExecRequest>*
        stream) {
  crate::v1::ExecRequest first;
  if (!stream->Read(&first)) return grpc::Status::CANCELLED;
  if (first.what_case() != crate::v1::ExecRequest::kStart) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "exec: the first message must be start");
  }
  absl::StatusOr<std::unique_ptr<engine::ProcessStream>> session =
      engine_->Exec(first.start().container(), ToExecOptions(first.start()));
  if (!session.ok()) return ToGrpcStatus(session.status());
  crate::v1::ExecResponse response;
  response.set_pid((*session)->pid());
  if (!stream->Write(response)) return grpc::Status::CANCELLED;
  if (first.start().detach()) return grpc::Status::OK;
  if (first.start().tty() && first.start().has_size()) {
    (*session)
        ->Resize(static_cast<int>(first.start().size().rows()),
                 static_cast<int>(first.start().size().cols()))
        .IgnoreError();
  }

  return RelayProcess(context, stream, session->get());
}

grpc::Status ContainersService::Attach(
    grpc::ServerContext* context,
    grpc::ServerReaderWriter<crate::v1::AttachResponse,
                             crate::v1::AttachRequest>* stream) {
  crate::v1::AttachRequest first;
  if (!stream->Read(&first)) return grpc::Status::CANCELLED;
  if (first.what_case() != crate::v1::AttachRequest::kStart) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "attach: the first message must be start");
  }
  engine::AttachOptions options;
  options.stdin = first.start().stdin();
  options.stdout = first.start().stdout();
  options.stderr = first.start().stderr();
  options.ready_exited = first.start().start();
  absl::StatusOr<std::unique_ptr<engine::ProcessStream>> session =
      engine_->Attach(first.start().container(), options);
  if (!session.ok()) return ToGrpcStatus(session.status());
  crate::v1::AttachResponse response;
  response.set_attached(true);
  if (!stream->Write(response)) return grpc::Status::CANCELLED;
  if (first.start().start()) {
    absl::Status started = engine_->Start(first.start().container());
    if (!started.ok()) return ToGrpcStatus(started);
  }
  return RelayProcess(context, stream, session->get());
}

grpc::Status ContainersService::Prune(
    grpc::ServerContext* context,
    const crate::v1::PruneContainersRequest* request,
    crate::v1::PruneContainersResponse* response) {
  absl::StatusOr<engine::PruneFilter> filter = engine::ParsePruneFilters(
      {request->filters().begin(), request->filters().end()}, absl::Now());
  if (!filter.ok()) return ToGrpcStatus(filter.status());
  absl::StatusOr<engine::ContainerPruneReport> report =
      engine::PruneContainers(*engine_, *filter);
  if (!report.ok()) return ToGrpcStatus(report.status());
  for (const std::string& id : report->removed) response->add_removed(id);
  response->set_reclaimed_bytes(report->reclaimed);
  return grpc::Status::OK;
}

engine::ResourceUpdate ToResourceUpdate(
    const crate::v1::UpdateContainerRequest& r) {
  engine::ResourceUpdate u;
  if (r.has_memory_bytes()) u.memory = r.memory_bytes();
  if (r.has_memory_swap_bytes()) u.memory_swap = r.memory_swap_bytes();
  if (r.has_cpus()) u.cpus = r.cpus();
  if (r.has_cpu_shares()) u.cpu_shares = r.cpu_shares();
  if (r.has_pids_limit()) u.pids_limit = r.pids_limit();
  return u;
}

grpc::Status ContainersService::Update(
    grpc::ServerContext* context,
    const crate::v1::UpdateContainerRequest* request,
    crate::v1::UpdateContainerResponse* response) {
  return ToGrpcStatus(
      engine_->Update(request->container(), ToResourceUpdate(*request)));
}

grpc::Status ContainersService::Stats(grpc::ServerContext* context,
                                      const crate::v1::StatsRequest* request,
                                      crate::v1::StatsResponse* response) {
  absl::StatusOr<engine::ContainerStats> s =
      engine_->Stats(request->container());
  if (!s.ok()) return ToGrpcStatus(s.status());
  response->set_id(s->id);
  response->set_name(s->name);
  response->set_running(s->running);
  response->set_read_unix_nanos(absl::ToUnixNanos(s->read_at));
  response->set_cpu_usage_nanos(s->cpu_usage_ns);
  response->set_system_cpu_usage_nanos(s->system_cpu_ns);
  response->set_online_cpus(s->online_cpus);
  response->set_memory_usage_bytes(s->memory_usage);
  response->set_memory_limit_bytes(s->memory_limit);
  response->set_pids(s->pids);
  response->set_block_read_bytes(s->block_read);
  response->set_block_write_bytes(s->block_write);
  return grpc::Status::OK;
}

grpc::Status ContainersService::Top(grpc::ServerContext* context,
                                    const crate::v1::TopRequest* request,
                                    crate::v1::TopResponse* response) {
  absl::StatusOr<engine::TopResult> top =
      engine_->Top(request->container(),
                   {request->ps_args().begin(), request->ps_args().end()});
  if (!top.ok()) return ToGrpcStatus(top.status());
  for (const std::string& t : top->titles) response->add_titles(t);
  for (const std::vector<std::string>& p : top->processes) {
    crate::v1::TopResponse::Process* out = response->add_processes();
    for (const std::string& f : p) out->add_fields(f);
  }
  return grpc::Status::OK;
}

}  // namespace crate::server
