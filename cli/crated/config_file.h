// crated's configuration file, TOML: /etc/crate/crate.toml for root,
// $XDG_CONFIG_HOME/crate/crate.toml (~/.config/crate/crate.toml) for anyone
// else. Every key is optional; a key that is not set keeps crated's
// default, and a command-line flag wins over the file.
//
//   [storage]
//   root = "/var/lib/crate"        # images, containers, volumes
//   run_dir = "/run/crate"         # runtime state and the socket
//
//   [service]
//   idle_timeout = 5               # seconds without calls; 0: never exit
//   group = "crate"                # may use the socket
//
//   [logs]
//   max_size = "10MiB"             # each container's log, rotated once
//
//   [network]
//   default = "private"            # none, host or private
//
//   [registries]                   # as in registries.toml (registries_conf.h)
//   certs_dir = "/etc/crate/certs.d"
//   [[registries.registry]]
//   location = "registry.lan:5000"
//   insecure = true
//   [[registries.registry]]
//   location = "docker.io"
//   mirrors = ["mirror.lan:5000"]
//
// An unknown key or table, or a value of the wrong kind, is an error that
// names the file, the line and the key: a typo must not silently leave a
// default in place.
#ifndef CRATE_CLI_CRATED_CONFIG_FILE_H_
#define CRATE_CLI_CRATED_CONFIG_FILE_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/optional.h"
#include "cli/crated/service_paths.h"
#include "registry/distribution/registries_conf.h"

namespace crate::crated {

struct ServiceConfig {
  std::string path;  // the file read; empty when there was none
  absl::optional<std::string> root;
  absl::optional<std::string> run_dir;
  absl::optional<int> idle_timeout_seconds;
  absl::optional<std::string> group;
  absl::optional<int64_t> log_max_bytes;
  absl::optional<std::string> default_network;
  // The [registries] section; unset: registries.toml is read as before.
  absl::optional<registry::RegistriesConf> registries;
};

// crate.toml's place for this user (see above).
std::string DefaultConfigPath(const PathEnv& env,
                              const char* xdg_config_home = nullptr);

absl::StatusOr<ServiceConfig> ParseServiceConfig(absl::string_view text,
                                                 const std::string& path);

// Reads `path`. A missing file is an empty configuration when `required`
// is false (the default file need not exist) and an error naming it
// otherwise (a --config the user gave).
absl::StatusOr<ServiceConfig> LoadServiceConfig(const std::string& path,
                                                bool required);

// "10MiB", "512k", "1G", "4096": bytes, with docker's binary units
// (k, m, g as KiB, MiB, GiB; an optional "i" and "b"/"B").
absl::StatusOr<int64_t> ParseByteSize(absl::string_view text);

}  // namespace crate::crated

#endif  // CRATE_CLI_CRATED_CONFIG_FILE_H_
