#include "cli/crate/run_options.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "cli/crate/humanize.h"

namespace crate::cli {
namespace {

// Each occurrence of a repeatable option takes exactly one value, so that
// `-e A=1 busybox` does not take the image as a second value.
CLI::Option* Repeated(CLI::App& app, const std::string& names,
                      std::vector<std::string>& into, const std::string& help) {
  return app.add_option(names, into, help)->allow_extra_args(false);
}

bool ValidVolumeName(absl::string_view name) {
  if (name.size() < 2 || !absl::ascii_isalnum(name[0])) return false;
  for (char c : name) {
    if (!absl::ascii_isalnum(c) && c != '_' && c != '.' && c != '-') {
      return false;
    }
  }
  return true;
}

absl::Status ApplyVolumeOptions(absl::string_view spec, absl::string_view opts,
                                crate::v1::Mount* mount) {
  std::vector<std::string> kept;
  for (absl::string_view o : absl::StrSplit(opts, ',', absl::SkipEmpty())) {
    if (o == "ro") {
      mount->set_read_only(true);
    } else if (o == "nocopy") {
      // The service fills a new volume from the image unless told not to.
      if (mount->type() == crate::v1::Mount::VOLUME) kept.emplace_back(o);
    } else if (o == "rw" || o == "z" || o == "Z") {
      // SELinux relabelling: nothing to do here.
    } else if (o == "shared" || o == "rshared" || o == "slave" ||
               o == "rslave" || o == "private" || o == "rprivate") {
      kept.emplace_back(o);
    } else {
      return absl::InvalidArgumentError(absl::StrCat(
          "invalid volume specification: '", spec, "': invalid mode: ", o));
    }
  }
  mount->set_options(absl::StrJoin(kept, ","));
  return absl::OkStatus();
}

absl::Status CheckDestination(absl::string_view spec, absl::string_view what,
                              absl::string_view destination) {
  if (!absl::StartsWith(destination, "/")) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid ", what, " specification: '", spec, "': '",
                     destination, "' is not an absolute path"));
  }
  if (destination == "/") {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid ", what, " specification: '", spec,
                     "': the destination may not be '/'"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ExpandEnv(const std::string& entry,
                                      const RunEnvironment& env) {
  size_t eq = entry.find('=');
  if (eq == 0 || entry.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid environment variable: ", entry));
  }
  if (eq != std::string::npos) return entry;
  std::optional<std::string> value = env.getenv(entry);
  // Unset in the client: left out, as docker leaves it out.
  if (!value) return std::string();
  return absl::StrCat(entry, "=", *value);
}

}  // namespace

void AddRunFlags(CLI::App& app, RunFlags& f) {
  app.set_help_flag("--help", "Print usage");
  app.add_option("--name", f.name, "Assign a name to the container");
  Repeated(
      app, "-e,--env", f.env,
      "Set environment variables (KEY=VALUE, or KEY to pass the client's)");
  Repeated(app, "--env-file", f.env_files,
           "Read in a file of environment variables");
  app.add_option("-w,--workdir", f.workdir,
                 "Working directory inside the container");
  app.add_option("-u,--user", f.user,
                 "Username or UID (format: <name|uid>[:<group|gid>])");
  app.add_option_function<std::string>(
      "--entrypoint", [&f](const std::string& v) { f.entrypoint = v; },
      "Overwrite the default ENTRYPOINT of the image (\"\" clears it)");
  Repeated(app, "-v,--volume", f.volumes,
           "Bind mount a volume (/host:/ctr[:ro], or name:/ctr)");
  Repeated(app, "--tmpfs", f.tmpfs,
           "Mount a tmpfs directory (/path[:options])");
  app.add_flag("--read-only", f.read_only,
               "Mount the container's root filesystem as read only");
  app.add_option("-h,--hostname", f.hostname, "Container host name");
  Repeated(app, "-l,--label", f.labels,
           "Set meta data on a container (KEY=VALUE)");
  app.add_option("-m,--memory", f.memory, "Memory limit (512m, 1g)");
  app.add_option("--memory-swap", f.memory_swap,
                 "Swap limit equal to memory plus swap: -1 for unlimited swap");
  app.add_option("--cpus", f.cpus, "Number of CPUs (1.5)");
  app.add_option("-c,--cpu-shares", f.cpu_shares,
                 "CPU shares (relative weight)");
  app.add_option("--pids-limit", f.pids_limit,
                 "Tune container pids limit (-1 for unlimited)");
  Repeated(app, "--cap-add", f.cap_add, "Add Linux capabilities");
  Repeated(app, "--cap-drop", f.cap_drop, "Drop Linux capabilities");
  Repeated(app, "--security-opt", f.security_opt,
           "Security options (no-new-privileges, seccomp=unconfined, ...)");
  Repeated(app, "--sysctl", f.sysctls, "Sysctl options (KEY=VALUE)");
  Repeated(app, "--ulimit", f.ulimits, "Ulimit options (nofile=1024:2048)");
  app.add_flag("--privileged", f.privileged,
               "Give extended privileges to this container");
  app.add_option("--network,--net", f.network,
                 "Connect a container to a network: none, host, private");
  app.add_option("--stop-signal", f.stop_signal,
                 "Signal to stop the container");
  app.add_option_function<int>(
      "--stop-timeout", [&f](int v) { f.stop_timeout = v; },
      "Timeout (in seconds) to stop a container");
  app.add_option(
         "--pull", f.pull,
         "Pull image before running (\"always\", \"missing\", \"never\")")
      ->check(CLI::IsMember({"always", "missing", "never"}));
  app.add_option("--platform", f.platform,
                 "Set platform if server is multi-platform capable");
  app.add_flag("-q,--quiet", f.quiet, "Suppress the pull output");
  app.add_flag("--rm", f.rm,
               "Automatically remove the container when it exits");
  app.add_flag("-i,--interactive", f.interactive,
               "Keep STDIN open even if not attached");
  app.add_flag("-t,--tty", f.tty, "Allocate a pseudo-TTY");
  app.add_option("--detach-keys", f.detach_keys,
                 "Override the key sequence for detaching a container")
      ->default_str(f.detach_keys);
  app.add_flag("--sig-proxy", f.sig_proxy,
               "Proxy received signals to the process (without -t)")
      ->default_str("true");
  // IMAGE [COMMAND] [ARG...]: the first word that is not an option ends
  // option parsing, so that the command's own flags stay its own.
  app.prefix_command();
}

RunEnvironment ProcessEnvironment() {
  RunEnvironment env;
  env.getenv = [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
  env.read_file = [](const std::string& path) -> absl::StatusOr<std::string> {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      return absl::NotFoundError(
          absl::StrCat("open ", path, ": ", std::strerror(errno)));
    }
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  };
  return env;
}

absl::StatusOr<std::vector<std::string>> ParseEnvFile(
    absl::string_view text, const std::string& path,
    const RunEnvironment& env) {
  std::vector<std::string> out;
  absl::ConsumePrefix(&text, "\xEF\xBB\xBF");  // a byte-order mark
  int number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++number;
    absl::ConsumeSuffix(&line, "\r");
    line = absl::StripLeadingAsciiWhitespace(line);
    if (line.empty() || absl::StartsWith(line, "#")) continue;
    std::pair<absl::string_view, absl::string_view> kv =
        absl::StrSplit(line, absl::MaxSplits('=', 1));
    if (kv.first.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ":", number, ": no variable name before '='"));
    }
    if (kv.first.find_first_of(" \t") != absl::string_view::npos) {
      return absl::InvalidArgumentError(absl::StrCat(path, ":", number,
                                                     ": variable '", kv.first,
                                                     "' contains whitespaces"));
    }
    if (line.find('=') != absl::string_view::npos) {
      out.emplace_back(line);
    } else if (std::optional<std::string> v = env.getenv(std::string(line))) {
      out.push_back(absl::StrCat(line, "=", *v));
    }
  }
  return out;
}

absl::StatusOr<crate::v1::Mount> ParseVolume(absl::string_view spec) {
  std::vector<absl::string_view> parts = absl::StrSplit(spec, ':');
  crate::v1::Mount mount;
  absl::string_view source, destination, options;
  if (parts.size() == 1) {
    destination = parts[0];
  } else if (parts.size() == 2 && !absl::StartsWith(parts[1], "/")) {
    destination = parts[0];
    options = parts[1];
  } else if (parts.size() == 2 || parts.size() == 3) {
    source = parts[0];
    destination = parts[1];
    if (parts.size() == 3) options = parts[2];
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid volume specification: '", spec,
                     "': expected [SOURCE:]DESTINATION[:OPTIONS]"));
  }
  if (source.empty() && parts.size() > 1 && destination.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid volume specification: '", spec, "'"));
  }
  absl::Status s = CheckDestination(spec, "volume", destination);
  if (!s.ok()) return s;
  if (absl::StartsWith(source, "/")) {
    mount.set_type(crate::v1::Mount::BIND);
  } else {
    if (!source.empty() && !ValidVolumeName(source)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "invalid volume specification: '", spec, "': \"", source,
          "\" includes invalid characters for a local volume name, only "
          "\"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed; a host directory is "
          "given by its absolute path"));
    }
    mount.set_type(crate::v1::Mount::VOLUME);
  }
  mount.set_source(std::string(source));
  mount.set_destination(std::string(destination));
  s = ApplyVolumeOptions(spec, options, &mount);
  if (!s.ok()) return s;
  return mount;
}

absl::StatusOr<crate::v1::Mount> ParseTmpfs(absl::string_view spec) {
  std::pair<absl::string_view, absl::string_view> parts =
      absl::StrSplit(spec, absl::MaxSplits(':', 1));
  absl::Status s = CheckDestination(spec, "tmpfs", parts.first);
  if (!s.ok()) return s;
  crate::v1::Mount mount;
  mount.set_type(crate::v1::Mount::TMPFS);
  mount.set_destination(std::string(parts.first));
  mount.set_options(std::string(parts.second));
  return mount;
}

absl::Status SplitImageAndCommand(const std::vector<std::string>& rest,
                                  std::string* image,
                                  std::vector<std::string>* cmd) {
  size_t i = 0;
  if (i < rest.size() && rest[i] == "--") ++i;
  if (i >= rest.size()) {
    return absl::InvalidArgumentError("requires at least 1 argument.");
  }
  if (rest[i].size() > 1 && rest[i][0] == '-') {
    return absl::InvalidArgumentError(absl::StrCat("unknown flag: ", rest[i]));
  }
  *image = rest[i];
  cmd->assign(rest.begin() + i + 1, rest.end());
  return absl::OkStatus();
}

absl::StatusOr<crate::v1::CreateContainerRequest> BuildCreateRequest(
    const RunFlags& f, const std::string& image,
    const std::vector<std::string>& cmd, const RunEnvironment& env) {
  crate::v1::CreateContainerRequest request;
  request.set_name(f.name);
  crate::v1::ContainerConfig& c = *request.mutable_config();
  c.set_image(image);
  if (f.entrypoint) {
    c.set_entrypoint_set(true);
    if (!f.entrypoint->empty()) c.add_entrypoint(*f.entrypoint);
  }
  for (const std::string& a : cmd) c.add_cmd(a);
  // The files first, then -e, so that -e wins (docker's order).
  for (const std::string& path : f.env_files) {
    absl::StatusOr<std::string> text = env.read_file(path);
    if (!text.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--env-file: ", text.status().message()));
    }
    absl::StatusOr<std::vector<std::string>> lines =
        ParseEnvFile(*text, path, env);
    if (!lines.ok()) return lines.status();
    for (std::string& l : *lines) c.add_env(std::move(l));
  }
  for (const std::string& e : f.env) {
    absl::StatusOr<std::string> entry = ExpandEnv(e, env);
    if (!entry.ok()) return entry.status();
    if (!entry->empty()) c.add_env(*std::move(entry));
  }
  c.set_working_dir(f.workdir);
  c.set_user(f.user);
  c.set_hostname(f.hostname);
  for (const std::string& l : f.labels) {
    std::pair<std::string, std::string> kv =
        absl::StrSplit(l, absl::MaxSplits('=', 1));
    if (kv.first.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("invalid label '", l, "': empty name"));
    }
    (*c.mutable_labels())[kv.first] = kv.second;
  }
  c.set_read_only_rootfs(f.read_only);
  for (const std::string& v : f.volumes) {
    absl::StatusOr<crate::v1::Mount> m = ParseVolume(v);
    if (!m.ok()) return m.status();
    *c.add_mounts() = *std::move(m);
  }
  for (const std::string& t : f.tmpfs) {
    absl::StatusOr<crate::v1::Mount> m = ParseTmpfs(t);
    if (!m.ok()) return m.status();
    *c.add_mounts() = *std::move(m);
  }
  crate::v1::Resources& r = *c.mutable_resources();
  if (!f.memory.empty()) {
    absl::StatusOr<int64_t> bytes = ParseMemoryBytes(f.memory);
    if (!bytes.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--memory: ", bytes.status().message()));
    }
    r.set_memory_bytes(*bytes);
  }
  if (f.memory_swap == "-1") {
    r.set_memory_swap_bytes(-1);
  } else if (!f.memory_swap.empty()) {
    absl::StatusOr<int64_t> bytes = ParseMemoryBytes(f.memory_swap);
    if (!bytes.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--memory-swap: ", bytes.status().message()));
    }
    r.set_memory_swap_bytes(*bytes);
  }
  if (f.cpus < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("--cpus: ", f.cpus, " is negative"));
  }
  r.set_cpus(f.cpus);
  r.set_cpu_shares(f.cpu_shares);
  // docker's -1 and 0 both mean unlimited; the API has 0 for it.
  r.set_pids_limit(f.pids_limit < 0 ? 0 : f.pids_limit);
  for (const std::string& cap : f.cap_add) c.add_cap_add(cap);
  for (const std::string& cap : f.cap_drop) c.add_cap_drop(cap);
  for (const std::string& o : f.security_opt) c.add_security_opt(o);
  for (const std::string& s : f.sysctls) {
    std::pair<std::string, std::string> kv =
        absl::StrSplit(s, absl::MaxSplits('=', 1));
    if (kv.first.empty() || s.find('=') == std::string::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("--sysctl ", s, ": expected KEY=VALUE"));
    }
    (*c.mutable_sysctls())[kv.first] = kv.second;
  }
  for (const std::string& u : f.ulimits) c.add_ulimits(u);
  c.set_privileged(f.privileged);
  // docker's default network is called bridge; crate's is private.
  c.set_network(f.network == "bridge" || f.network == "default" ? "private"
                                                                : f.network);
  c.set_stop_signal(f.stop_signal);
  if (f.stop_timeout) c.set_stop_timeout_seconds(*f.stop_timeout);
  c.set_auto_remove(f.rm);
  c.set_tty(f.tty);
  c.set_open_stdin(f.interactive);
  return request;
}

}  // namespace crate::cli
