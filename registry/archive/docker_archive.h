// `docker save`'s archive ("docker-archive" to skopeo): manifest.json, a
// JSON array with one object per image,
//   [{"Config": "<hex>.json", "RepoTags": ["busybox:latest"],
//     "Layers": ["<dir>/layer.tar", ...]}]
// naming the entries that hold the image's config and its layer tars,
// bottom first. Docker writes uncompressed layers (gzip ones load too);
// since Docker 25 the entries are blobs/sha256/<hex> of an OCI layout in
// the same archive.
#ifndef CRATE_REGISTRY_ARCHIVE_DOCKER_ARCHIVE_H_
#define CRATE_REGISTRY_ARCHIVE_DOCKER_ARCHIVE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace crate::registry {

inline constexpr absl::string_view kDockerManifestFile = "manifest.json";

struct DockerArchiveImage {
  std::string config;                  // the entry of the config JSON
  std::vector<std::string> repo_tags;  // as written: "busybox:latest"
  std::vector<std::string> layers;     // entries of the layer tars
};

// Parses manifest.json. Errors (kInvalidArgument) begin with `context` and
// name the field: "<context>: [1].Layers[0]: expected a string".
absl::StatusOr<std::vector<DockerArchiveImage>> ParseDockerArchiveManifest(
    absl::string_view body, absl::string_view context);

// manifest.json for `images`, as Docker writes it.
std::string DockerArchiveManifestJson(
    const std::vector<DockerArchiveImage>& images);

}  // namespace crate::registry

#endif  // CRATE_REGISTRY_ARCHIVE_DOCKER_ARCHIVE_H_
