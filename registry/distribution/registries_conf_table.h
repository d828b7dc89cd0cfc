// The registries configuration read from a TOML table that is already
// parsed: for files that hold it as a section of their own (crated's
// crate.toml [registries]), whose errors then keep their lines.
#ifndef CRATE_REGISTRY_DISTRIBUTION_REGISTRIES_CONF_TABLE_H_
#define CRATE_REGISTRY_DISTRIBUTION_REGISTRIES_CONF_TABLE_H_

#include <toml++/toml.h>

#include <string>

#include "absl/status/statusor.h"
#include "registry/distribution/registries_conf.h"

namespace crate::registry {

// The keys of registries_conf.h's file (certs_dir, [[registry]]) in
// `table`; errors name `path`, the line and the key.
absl::StatusOr<RegistriesConf> RegistriesConfFromTable(const toml::table& table,
                                                       const std::string& path);

}  // namespace crate::registry

#endif  // CRATE_REGISTRY_DISTRIBUTION_REGISTRIES_CONF_TABLE_H_
