// version and info (and system info).
#include <sys/utsname.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "cli/crate/commands.h"
#include "cli/crate/format_template.h"
#include "cli/crate/humanize.h"
#include "runtime/base/version.h"

namespace crate::cli {
namespace {

int Version(Context& ctx) {
  std::printf("Client:\n Version: %s\n API: v1\n", kCrateVersion);
  std::fflush(stdout);
  absl::StatusOr<Client*> client = ctx.client();
  if (!client.ok()) return PrintError(client.status().message());
  crate::v1::VersionResponse response;
  auto call = Client::Call(absl::Seconds(10));
  grpc::Status s = (*client)->system().Version(
      call.get(), crate::v1::VersionRequest(), &response);
  if (!s.ok()) return (*client)->Fail(s);
  std::printf("Service:\n Version: %s\n OCI runtime spec: %s\n API: %s\n",
              response.version().c_str(), response.oci_runtime_spec().c_str(),
              response.api_version().c_str());
  return 0;
}

// PRETTY_NAME of os-release, as docker info shows the operating system.
std::string OsName() {
  for (const char* path : {"/etc/os-release", "/usr/lib/os-release"}) {
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) {
      absl::string_view v = line;
      if (!absl::ConsumePrefix(&v, "PRETTY_NAME=")) continue;
      absl::ConsumePrefix(&v, "\"");
      absl::ConsumeSuffix(&v, "\"");
      return std::string(v);
    }
  }
  return "linux";
}

// What Info would say, counted through the calls every service answers,
// with the host's facts from here (the socket is local): for a crated
// whose Info is not implemented.
grpc::Status InfoFromLists(Client& client, crate::v1::InfoResponse* info) {
  crate::v1::VersionResponse version;
  auto call = Client::Call();
  grpc::Status s = client.system().Version(
      call.get(), crate::v1::VersionRequest(), &version);
  if (!s.ok()) return s;
  info->set_version(version.version());
  crate::v1::ListContainersRequest all;
  all.set_all(true);
  crate::v1::ListContainersResponse containers;
  call = Client::Call();
  s = client.containers().List(call.get(), all, &containers);
  if (!s.ok()) return s;
  for (const crate::v1::ContainerSummary& c : containers.containers()) {
    info->set_containers(info->containers() + 1);
    if (c.status() == crate::v1::RUNNING) {
      info->set_containers_running(info->containers_running() + 1);
    } else if (c.status() != crate::v1::PAUSED) {
      info->set_containers_stopped(info->containers_stopped() + 1);
    }
  }
  crate::v1::ListImagesResponse images;
  call = Client::Call();
  s = client.images().List(call.get(), crate::v1::ListImagesRequest(), &images);
  if (!s.ok()) return s;
  info->set_images(images.images_size());
  utsname uts;
  if (uname(&uts) == 0) {
    info->set_kernel(uts.release);
    info->set_architecture(uts.machine);
  }
  info->set_os(OsName());
  info->set_cpus(static_cast<int>(sysconf(_SC_NPROCESSORS_ONLN)));
  info->set_memory_bytes(static_cast<uint64_t>(sysconf(_SC_PHYS_PAGES)) *
                         static_cast<uint64_t>(sysconf(_SC_PAGESIZE)));
  info->set_rootless(geteuid() != 0);
  return grpc::Status::OK;
}

// docker info's field names, for --format.
Json InfoJson(const crate::v1::InfoResponse& i) {
  Json j;
  j["Containers"] = i.containers();
  j["ContainersRunning"] = i.containers_running();
  j["ContainersPaused"] =
      i.containers() - i.containers_running() - i.containers_stopped();
  j["ContainersStopped"] = i.containers_stopped();
  j["Images"] = i.images();
  j["Volumes"] = i.volumes();
  j["ServerVersion"] = i.version();
  j["Driver"] = "overlay";
  j["CgroupVersion"] = i.cgroup_version();
  j["KernelVersion"] = i.kernel();
  j["OperatingSystem"] = i.os();
  j["OSType"] = "linux";
  j["Architecture"] = i.architecture();
  j["NCPU"] = i.cpus();
  j["MemTotal"] = i.memory_bytes();
  j["RootDir"] = i.root_dir();
  j["RunDir"] = i.run_dir();
  j["Rootless"] = i.rootless();
  j["IdleTimeoutSeconds"] = i.idle_timeout_seconds();
  return j;
}

int Info(Context& ctx, const std::string& format) {
  absl::StatusOr<Client*> client = ctx.client();
  if (!client.ok()) return PrintError(client.status().message());
  crate::v1::InfoResponse info;
  auto call = Client::Call();
  grpc::Status s =
      (*client)->system().Info(call.get(), crate::v1::InfoRequest(), &info);
  if (s.error_code() == grpc::StatusCode::UNIMPLEMENTED) {
    info.Clear();
    s = InfoFromLists(**client, &info);
  }
  if (!s.ok()) return (*client)->Fail(s);
  Json j = InfoJson(info);
  OutputKind kind = KindOf(format);
  if (kind == OutputKind::kJson) {
    std::printf("%s\n", j.dump().c_str());
    return 0;
  }
  if (kind == OutputKind::kTemplate) {
    absl::StatusOr<FormatTemplate> t = FormatTemplate::Parse(format, false);
    if (!t.ok()) return PrintError(t.status().message());
    absl::StatusOr<std::string> line = t->Render(j);
    if (!line.ok()) return PrintError(line.status().message());
    std::printf("%s\n", line->c_str());
    return 0;
  }
  std::string out = absl::StrCat(
      "Client:\n Version: ", kCrateVersion, "\n Service: ", (*client)->target(),
      "\n\nServer:\n Containers: ", info.containers(),
      "\n  Running: ", info.containers_running(),
      "\n  Paused: ", j["ContainersPaused"].get<int>(),
      "\n  Stopped: ", info.containers_stopped(), "\n Images: ", info.images(),
      "\n Server Version: ", info.version(), "\n Storage Driver: overlay\n");
  auto line = [&out](const char* key, const std::string& value) {
    if (!value.empty()) absl::StrAppend(&out, " ", key, ": ", value, "\n");
  };
  line("Cgroup Version", info.cgroup_version());
  line("Kernel Version", info.kernel());
  line("Operating System", info.os());
  line("Architecture", info.architecture());
  line("CPUs", info.cpus() > 0 ? std::to_string(info.cpus()) : "");
  line("Total Memory", info.memory_bytes() > 0
                           ? BytesSize(static_cast<double>(info.memory_bytes()))
                           : "");
  line("Root Dir", info.root_dir());
  line("Run Dir", info.run_dir());
  line("Rootless", info.rootless() ? "true" : "false");
  std::fwrite(out.data(), 1, out.size(), stdout);
  return 0;
}

}  // namespace

void AddSystemCommands(const CommandGroups& g, Context& ctx) {
  CLI::App* version =
      g.root->add_subcommand("version", "Show the crate version information");
  version->group(kCommonGroup);
  OnRun(version, ctx, [&ctx] { return Version(ctx); });
  for (CLI::App* parent : {g.root, g.system}) {
    auto format = std::make_shared<std::string>();
    CLI::App* info =
        parent->add_subcommand("info", "Display system-wide information");
    info->group(parent == g.root ? kCommonGroup : kCommandsGroup);
    info->add_option("-f,--format", *format,
                     "Format output using a custom template ('json', or a "
                     "template such as '{{.ServerVersion}}')");
    OnRun(info, ctx, [&ctx, format] { return Info(ctx, *format); });
  }
}

}  // namespace crate::cli
