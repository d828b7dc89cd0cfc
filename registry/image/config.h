// The image configuration (OCI image-spec config.md; Docker's image JSON is
// the same document): what a container made from the image runs, and the
// uncompressed digests of its layers.
#ifndef CRATE_REGISTRY_IMAGE_CONFIG_H_
#define CRATE_REGISTRY_IMAGE_CONFIG_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/optional.h"
#include "registry/image/manifest.h"
#include "registry/image/platform.h"
#include "registry/reference/digest.h"

namespace crate::registry {

// The "config" object: defaults for containers made from the image.
struct ContainerConfig {
  std::string user;
  std::vector<std::string> exposed_ports;  // "80/tcp", sorted
  std::vector<std::string> env;            // "KEY=value"
  std::vector<std::string> entrypoint;
  std::vector<std::string> cmd;
  std::vector<std::string> volumes;  // sorted
  std::string working_dir;
  std::map<std::string, std::string> labels;
  std::string stop_signal;
};

struct HistoryEntry {
  absl::optional<absl::Time> created;
  std::string created_by;
  std::string author;
  std::string comment;
  bool empty_layer = false;
};

struct ImageConfig {
  absl::optional<absl::Time> created;
  std::string author;
  Platform platform;  // os, architecture, variant, os.version, os.features
  ContainerConfig config;
  std::vector<Digest> diff_ids;  // rootfs.diff_ids, bottom layer first
  std::vector<HistoryEntry> history;
};

// Parses and validates a config blob: os and architecture required, rootfs
// of type "layers" with valid diff_ids, typed fields of the right types,
// RFC 3339 times. Errors begin with `context` ("config sha256:.. of x:1").
absl::StatusOr<ImageConfig> ParseImageConfig(absl::string_view body,
                                             absl::string_view context);

// Checks that a manifest and its config describe the same image: as many
// layers as diff_ids. (History is not checked: builders disagree on it and
// nothing in crate depends on it.)
absl::Status CheckManifestMatchesConfig(const Manifest& manifest,
                                        const ImageConfig& config,
                                        absl::string_view context);

// The OCI image spec's ChainIDs of a layer stack: ChainID(L0) = DiffID(L0),
// ChainID(Ln) = sha256(ChainID(Ln-1) + " " + DiffID(Ln)). One per layer;
// the last names the whole stack (what snapshots are keyed by).
std::vector<Digest> ChainIds(const std::vector<Digest>& diff_ids);

}  // namespace crate::registry

#endif  // CRATE_REGISTRY_IMAGE_CONFIG_H_
