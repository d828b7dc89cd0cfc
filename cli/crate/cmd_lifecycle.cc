// stop, restart, kill, rm and wait: each takes containers by name, ID or ID
// prefix, goes on past one that fails, and exits 125 if any did.
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "cli/crate/commands.h"

namespace crate::cli {
namespace {

struct LifecycleFlags {
  std::vector<std::string> containers;
  int timeout = -1;      // stop
  std::string signal;    // kill
  bool force = false;    // rm
  bool volumes = false;  // rm
};

// Runs `one` for each container; prints what it returns (the name as
// given, or the exit code for wait).
template <typename One>
int ForEach(Context& ctx, const LifecycleFlags& f, One one) {
  absl::StatusOr<Client*> client = ctx.client();
  if (!client.ok()) return PrintError(client.status().message());
  int rc = 0;
  for (const std::string& c : f.containers) {
    std::string out;
    grpc::Status s = one(**client, c, &out);
    if (!s.ok()) {
      rc = (*client)->Fail(s);
      continue;
    }
    std::printf("%s\n", out.c_str());
    std::fflush(stdout);
  }
  return rc;
}

int Stop(Context& ctx, const LifecycleFlags& f) {
  return ForEach(
      ctx, f, [&f](Client& client, const std::string& c, std::string* out) {
        crate::v1::StopContainerRequest request;
        request.set_container(c);
        request.set_timeout_seconds(f.timeout);
        crate::v1::StopContainerResponse response;
        // The service waits out the timeout before SIGKILL.
        auto call =
            Client::Call(f.timeout >= 0 ? absl::Seconds(f.timeout) + kQuickCall
                                        : kNoDeadline);
        *out = c;
        return client.containers().Stop(call.get(), request, &response);
      });
}

// docker's restart: stop (the signal, then SIGKILL after the timeout),
// then start under a new shim; a container that is not running is just
// started.
int Restart(Context& ctx, const LifecycleFlags& f) {
  return ForEach(
      ctx, f, [&f](Client& client, const std::string& c, std::string* out) {
        crate::v1::StopContainerRequest stop;
        stop.set_container(c);
        stop.set_timeout_seconds(f.timeout);
        crate::v1::StopContainerResponse stopped;
        auto call =
            Client::Call(f.timeout >= 0 ? absl::Seconds(f.timeout) + kQuickCall
                                        : kNoDeadline);
        grpc::Status s = client.containers().Stop(call.get(), stop, &stopped);
        if (!s.ok()) return s;
        crate::v1::StartContainerRequest start;
        start.set_container(c);
        crate::v1::StartContainerResponse started;
        auto start_call = Client::Call(kCreateCall);
        *out = c;
        return client.containers().Start(start_call.get(), start, &started);
      });
}

int Kill(Context& ctx, const LifecycleFlags& f) {
  return ForEach(
      ctx, f, [&f](Client& client, const std::string& c, std::string* out) {
        crate::v1::KillContainerRequest request;
        request.set_container(c);
        request.set_signal(f.signal);
        crate::v1::KillContainerResponse response;
        auto call = Client::Call();
        *out = c;
        return client.containers().Kill(call.get(), request, &response);
      });
}

int Rm(Context& ctx, const LifecycleFlags& f) {
  return ForEach(
      ctx, f, [&f](Client& client, const std::string& c, std::string* out) {
        crate::v1::RemoveContainerRequest request;
        request.set_container(c);
        request.set_force(f.force);
        request.set_volumes(f.volumes);
        crate::v1::RemoveContainerResponse response;
        auto call = Client::Call(absl::Minutes(2));
        *out = c;
        return client.containers().Remove(call.get(), request, &response);
      });
}

int Wait(Context& ctx, const LifecycleFlags& f) {
  return ForEach(ctx, f,
                 [](Client& client, const std::string& c, std::string* out) {
                   crate::v1::WaitContainerRequest request;
                   request.set_container(c);
                   crate::v1::WaitContainerResponse response;
                   auto call = Client::Call(kNoDeadline);
                   grpc::Status s =
                       client.containers().Wait(call.get(), request, &response);
                   *out = std::to_string(response.exit_code());
                   return s;
                 });
}

CLI::App* Add(CLI::App& parent, Context& ctx, const std::string& name,
              const std::string& help, std::shared_ptr<LifecycleFlags> f,
              int (*run)(Context&, const LifecycleFlags&)) {
  CLI::App* cmd = parent.add_subcommand(name, help);
  SetUsage(cmd, "[OPTIONS] CONTAINER [CONTAINER...]");
  cmd->add_option("container", f->containers,
                  "Containers by name, ID or ID prefix")
      ->required();
  OnRun(cmd, ctx, [&ctx, f, run] { return run(ctx, *f); });
  return cmd;
}

void AddAll(CLI::App& parent, Context& ctx, const char* rm_name) {
  auto stop = std::make_shared<LifecycleFlags>();
  Add(parent, ctx, "stop", "Stop one or more running containers", stop, Stop)
      ->add_option("-t,--time,--timeout", stop->timeout,
                   "Seconds to wait before killing the container (default: the "
                   "container's own, 10)");
  auto restart = std::make_shared<LifecycleFlags>();
  Add(parent, ctx, "restart", "Restart one or more containers", restart,
      Restart)
      ->add_option("-t,--time,--timeout", restart->timeout,
                   "Seconds to wait before killing the container (default: the "
                   "container's own, 10)");
  auto kill = std::make_shared<LifecycleFlags>();
  kill->signal = "KILL";
  Add(parent, ctx, "kill", "Kill one or more running containers", kill, Kill)
      ->add_option("-s,--signal", kill->signal,
                   "Signal to send to the container (default KILL)");
  auto rm = std::make_shared<LifecycleFlags>();
  CLI::App* rm_cmd =
      Add(parent, ctx, rm_name, "Remove one or more containers", rm, Rm);
  rm_cmd->add_flag("-f,--force", rm->force,
                   "Force the removal of a running container (uses SIGKILL)");
  rm_cmd->add_flag("-v,--volumes", rm->volumes,
                   "Remove anonymous volumes associated with the container");
  auto wait = std::make_shared<LifecycleFlags>();
  Add(parent, ctx, "wait",
      "Block until one or more containers stop, then print their exit codes",
      wait, Wait);
  for (CLI::App* sub : parent.get_subcommands({})) {
    if (sub->get_group() == "Subcommands") sub->group(kCommandsGroup);
  }
}

}  // namespace

void AddLifecycleCommands(const CommandGroups& g, Context& ctx) {
  AddAll(*g.root, ctx, "rm");
  AddAll(*g.container, ctx, "rm");
}

}  // namespace crate::cli
