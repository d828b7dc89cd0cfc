#include "cli/crate/inspect_json.h"

#include <map>
#include <string>

#include "cli/crate/container_rows.h"
#include "cli/crate/humanize.h"
#include "cli/crate/image_names.h"

namespace crate::cli {
namespace {

// Go marshals an empty slice or map that was never set as null.
template <typename Repeated>
Json ListOrNull(const Repeated& items) {
  if (items.empty()) return nullptr;
  Json list = Json::array();
  for (const auto& item : items) list.push_back(item);
  return list;
}

template <typename Map>
Json MapOrNull(const Map& items) {
  if (items.empty()) return nullptr;
  std::map<std::string, std::string> sorted(items.begin(), items.end());
  Json object = Json::object();
  for (const auto& [k, v] : sorted) object[k] = v;
  return object;
}

// docker's {"80/tcp": {}} sets.
template <typename Repeated>
Json SetOrNull(const Repeated& items) {
  if (items.empty()) return nullptr;
  Json object = Json::object();
  for (const auto& item : items) object[item] = Json::object();
  return object;
}

Json MountsJson(const crate::v1::ContainerConfig& config) {
  Json mounts = Json::array();
  for (const crate::v1::Mount& m : config.mounts()) {
    Json mount;
    mount["Type"] = m.type() == crate::v1::Mount::BIND     ? "bind"
                    : m.type() == crate::v1::Mount::VOLUME ? "volume"
                                                           : "tmpfs";
    mount["Source"] = m.source();
    mount["Destination"] = m.destination();
    mount["Mode"] = m.options();
    mount["RW"] = !m.read_only();
    mounts.push_back(std::move(mount));
  }
  return mounts;
}

}  // namespace

Json ContainerInspectJson(const crate::v1::InspectContainerResponse& c) {
  const crate::v1::ContainerSummary& s = c.summary();
  const crate::v1::ContainerConfig& config = c.config();
  Json j;
  j["Id"] = s.id();
  j["Created"] = Rfc3339Nano(FromApiNanos(s.created_unix_nanos()));
  j["Path"] = s.command().empty() ? "" : s.command(0);
  Json args = Json::array();
  for (int i = 1; i < s.command_size(); ++i) args.push_back(s.command(i));
  j["Args"] = args;
  Json state;
  state["Status"] = StateName(s.status());
  state["Running"] =
      s.status() == crate::v1::RUNNING || s.status() == crate::v1::PAUSED;
  state["Paused"] = s.status() == crate::v1::PAUSED;
  state["Restarting"] = false;
  state["OOMKilled"] = c.oom_killed();
  state["Dead"] = false;
  state["Pid"] = s.pid();
  state["ExitCode"] = s.exit_code();
  state["Error"] = c.exit_reason();
  state["StartedAt"] = Rfc3339Nano(FromApiNanos(s.started_unix_nanos()));
  state["FinishedAt"] = Rfc3339Nano(FromApiNanos(s.finished_unix_nanos()));
  j["State"] = state;
  j["Image"] = s.image_id();
  j["LogPath"] = c.log_path();
  j["Name"] = "/" + s.name();
  j["RestartCount"] = c.restart_count();
  j["Driver"] = "overlay";
  j["Platform"] = "linux";
  Json host;
  host["AutoRemove"] = config.auto_remove();
  host["CapAdd"] = ListOrNull(config.cap_add());
  host["CapDrop"] = ListOrNull(config.cap_drop());
  host["Memory"] = config.resources().memory_bytes();
  host["MemorySwap"] = config.resources().memory_swap_bytes();
  host["NanoCpus"] =
      static_cast<int64_t>(config.resources().cpus() * 1e9 + 0.5);
  host["CpuShares"] = config.resources().cpu_shares();
  host["PidsLimit"] = config.resources().pids_limit();
  host["NetworkMode"] = config.network().empty() ? "private" : config.network();
  host["Privileged"] = config.privileged();
  host["ReadonlyRootfs"] = config.read_only_rootfs();
  host["SecurityOpt"] = ListOrNull(config.security_opt());
  host["Sysctls"] = MapOrNull(config.sysctls());
  j["HostConfig"] = host;
  Json graph;
  graph["Data"] = {{"MergedDir", c.rootfs()}};
  graph["Name"] = "overlay";
  j["GraphDriver"] = graph;
  j["Mounts"] = MountsJson(config);
  Json cfg;
  cfg["Hostname"] = config.hostname();
  cfg["User"] = config.user();
  cfg["Tty"] = config.tty();
  cfg["OpenStdin"] = config.open_stdin();
  cfg["Env"] = ListOrNull(config.env());
  cfg["Cmd"] = ListOrNull(config.cmd());
  cfg["Image"] = config.image().empty() ? s.image() : config.image();
  cfg["WorkingDir"] = config.working_dir();
  cfg["Entrypoint"] = ListOrNull(config.entrypoint());
  cfg["Labels"] = MapOrNull(s.labels().empty() ? config.labels() : s.labels());
  cfg["StopSignal"] = config.stop_signal();
  if (config.stop_timeout_seconds() > 0) {
    cfg["StopTimeout"] = config.stop_timeout_seconds();
  }
  j["Config"] = cfg;
  j["Bundle"] = c.bundle();
  return j;
}

Json ImageInspectJson(const crate::v1::InspectImageResponse& image) {
  const crate::v1::ImageSummary& s = image.summary();
  Json j;
  j["Id"] = s.id();
  Json tags = Json::array();
  for (const std::string& n : s.names()) tags.push_back(ShortImageName(n));
  j["RepoTags"] = tags;
  Json digests = Json::array();
  for (const std::string& d : s.digests()) digests.push_back(ShortImageName(d));
  j["RepoDigests"] = digests;
  j["Parent"] = "";
  j["Comment"] = "";
  j["Created"] = Rfc3339Nano(FromApiNanos(s.created_unix_nanos()));
  Json cfg;
  cfg["User"] = image.user();
  cfg["ExposedPorts"] = SetOrNull(image.exposed_ports());
  cfg["Env"] = ListOrNull(image.env());
  cfg["Cmd"] = ListOrNull(image.cmd());
  cfg["Volumes"] = SetOrNull(image.volumes());
  cfg["WorkingDir"] = image.working_dir();
  cfg["Entrypoint"] = ListOrNull(image.entrypoint());
  cfg["Labels"] = MapOrNull(s.labels());
  j["Config"] = cfg;
  j["Architecture"] = image.architecture();
  j["Os"] = image.os();
  j["Size"] = s.size_bytes();
  Json rootfs;
  rootfs["Type"] = "layers";
  rootfs["Layers"] = ListOrNull(image.layers());
  j["RootFS"] = rootfs;
  j["ManifestDigest"] = image.manifest_digest();
  return j;
}

}  // namespace crate::cli
