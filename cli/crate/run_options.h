// The options `crate create` and `crate run` share (docker's names), and
// how they become a CreateContainerRequest. Parsing is pure: the
// environment and files are reached through the lookups given, so that
// the tests need neither.
#ifndef CRATE_CLI_CRATE_RUN_OPTIONS_H_
#define CRATE_CLI_CRATE_RUN_OPTIONS_H_

#include <CLI/CLI.hpp>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "api/proto/crate/v1/containers.pb.h"

namespace crate::cli {

struct RunFlags {
  std::string name;
  std::vector<std::string> env;
  std::vector<std::string> env_files;
  std::string workdir;
  std::string user;
  std::optional<std::string> entrypoint;  // "" clears the image's
  std::vector<std::string> volumes;
  std::vector<std::string> tmpfs;
  bool read_only = false;
  std::string hostname;
  std::vector<std::string> labels;
  std::string memory;
  std::string memory_swap;
  double cpus = 0;
  int64_t cpu_shares = 0;
  int64_t pids_limit = 0;
  std::vector<std::string> cap_add;
  std::vector<std::string> cap_drop;
  std::vector<std::string> security_opt;
  std::vector<std::string> sysctls;
  std::vector<std::string> ulimits;
  bool privileged = false;
  std::string network;
  std::string stop_signal;
  std::optional<int> stop_timeout;
  std::string pull = "missing";
  std::string platform;
  bool quiet = false;  // no pull progress
  bool rm = false;
  bool interactive = false;
  bool tty = false;
  std::string detach_keys = "ctrl-p,ctrl-q";
  bool sig_proxy = true;
  bool detach = false;  // run only
};

// Adds create's options to `app` (run adds -d itself). -h is --hostname
// there, as in docker, so help is --help only.
void AddRunFlags(CLI::App& app, RunFlags& flags);

// How option values reach the outside world.
struct RunEnvironment {
  // $NAME of the client, for "-e NAME" and env-file lines without "=".
  std::function<std::optional<std::string>(const std::string&)> getenv;
  // The text of an --env-file.
  std::function<absl::StatusOr<std::string>(const std::string&)> read_file;
};

// The environment of this process and its files.
RunEnvironment ProcessEnvironment();

// image and cmd come from the positionals: IMAGE [COMMAND] [ARG...].
absl::StatusOr<crate::v1::CreateContainerRequest> BuildCreateRequest(
    const RunFlags& flags, const std::string& image,
    const std::vector<std::string>& cmd, const RunEnvironment& env);

// Pieces of the above, tested on their own.
absl::StatusOr<std::vector<std::string>> ParseEnvFile(
    absl::string_view text, const std::string& path, const RunEnvironment& env);
absl::StatusOr<crate::v1::Mount> ParseVolume(absl::string_view spec);
absl::StatusOr<crate::v1::Mount> ParseTmpfs(absl::string_view spec);

// Splits IMAGE [COMMAND] [ARG...] from what the option parser left,
// refusing a leftover option (an unknown flag before the image).
absl::Status SplitImageAndCommand(const std::vector<std::string>& rest,
                                  std::string* image,
                                  std::vector<std::string>* cmd);

}  // namespace crate::cli

#endif  // CRATE_CLI_CRATE_RUN_OPTIONS_H_
