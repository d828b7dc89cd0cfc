// Models and parsers for the documents a registry serves for an image: the
// OCI image index and Docker manifest list (one manifest per platform), and
// the OCI image manifest and Docker schema 2 manifest (config + layers).
//
// Every parser validates what crate later relies on: known media types,
// well-formed digests, non-negative sizes, size limits. Errors are
// kInvalidArgument (kResourceExhausted for size limits, kUnimplemented for
// schema 1 and unknown types) and begin with the `context` the caller gives,
// which should name the image and the blob:
//   "manifest sha256:ab.. of docker.io/library/alpine:3.19: layers[2].digest:
//    invalid digest "sha256:xyz": invalid checksum digest length"
#ifndef CRATE_REGISTRY_IMAGE_MANIFEST_H_
#define CRATE_REGISTRY_IMAGE_MANIFEST_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/optional.h"
#include "registry/image/media_types.h"
#include "registry/image/platform.h"
#include "registry/reference/digest.h"

namespace crate::registry {

struct Descriptor {
  std::string media_type;
  Digest digest;
  int64_t size = 0;
  std::vector<std::string> urls;
  std::map<std::string, std::string> annotations;
  absl::optional<Platform> platform;  // index entries only
  std::string artifact_type;
};

// An OCI image index or a Docker manifest list.
struct Index {
  std::string media_type;  // as served (kOciIndex if the document omits it)
  std::vector<Descriptor> manifests;
  std::map<std::string, std::string> annotations;
};

// An OCI image manifest or a Docker schema 2 manifest.
struct Manifest {
  std::string media_type;  // as served (kOciManifest if the document omits it)
  Descriptor config;
  std::vector<Descriptor> layers;
  std::map<std::string, std::string> annotations;
};

// What a manifest request returned: exactly one of index or manifest.
struct ManifestDocument {
  std::string media_type;
  absl::optional<Index> index;
  absl::optional<Manifest> manifest;
};

// Parses a manifest response. `content_type` is the HTTP Content-Type (may
// be empty or generic, e.g. application/json; parameters are ignored); the
// document's own mediaType wins when it is set, and the two must agree. A
// document with neither is recognised by its shape. Schema 1, by media type
// or by "schemaVersion": 1, is refused with kUnimplemented:
//   "<context>: schema 1 manifests are not supported: ..."
absl::StatusOr<ManifestDocument> ParseManifestDocument(
    absl::string_view body, absl::string_view content_type,
    absl::string_view context);

// Parsers for a document already known to be of that kind.
absl::StatusOr<Index> ParseIndex(absl::string_view body,
                                 absl::string_view context);
absl::StatusOr<Manifest> ParseManifest(absl::string_view body,
                                       absl::string_view context);

// Chooses the manifest for `platform` from an index (see PlatformRank):
// the best-ranked entry whose media type is a manifest crate can use, the
// first in document order among equals. Entries without a platform are a
// last resort; attestation entries (platform unknown/unknown) never match.
// kNotFound lists what the index offers:
//   "<context>: no manifest for linux/arm64/v8 (the index has linux/amd64,
//    linux/arm/v7)"
absl::StatusOr<Descriptor> SelectManifest(const Index& index,
                                          const Platform& platform,
                                          absl::string_view context);

}  // namespace crate::registry

#endif  // CRATE_REGISTRY_IMAGE_MANIFEST_H_
