// crate's registries file: which registries may be reached without verified
// TLS, where their certificates are, and which mirrors stand in front of
// them. A small TOML file, in the spirit of podman's registries.conf:
//
//   certs_dir = "/etc/crate/certs.d"
//
//   [[registry]]
//   location = "registry.lan:5000"
//   insecure = true          # plain HTTP allowed, TLS not verified
//
//   [[registry]]
//   location = "docker.io"
//   mirrors = ["mirror.lan:5000"]   # tried in order before docker.io
#ifndef CRATE_REGISTRY_DISTRIBUTION_REGISTRIES_CONF_H_
#define CRATE_REGISTRY_DISTRIBUTION_REGISTRIES_CONF_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace crate::registry {

struct RegistriesConf {
  std::string path;  // The file read; empty when there was none.
  std::vector<std::string> insecure_registries;
  std::string certs_dir;  // Empty: the default.
  // Registry host -> mirror hosts, in the order they are tried.
  std::map<std::string, std::vector<std::string>> mirrors;
};

// /etc/crate/registries.toml for root; for other users
// $XDG_CONFIG_HOME/crate/registries.toml (~/.config when unset).
std::string DefaultRegistriesConfPath();

// Parses `text`; errors name `path`, the line and the key.
absl::StatusOr<RegistriesConf> ParseRegistriesConf(absl::string_view text,
                                                   const std::string& path);

// Reads the file at `path`. A missing file is an empty configuration, since
// most hosts have none.
absl::StatusOr<RegistriesConf> LoadRegistriesConf(const std::string& path);

}  // namespace crate::registry

#endif  // CRATE_REGISTRY_DISTRIBUTION_REGISTRIES_CONF_H_
