// What loading an image archive means, decided from its catalogue before
// anything is stored: which format it is, its images and their names, their
// manifests and configs (checked against their digests and each other) and
// the entry that holds each layer blob. ImageService::Load carries a plan
// out; everything here is pure, so a hostile archive is refused before a
// byte of it reaches a store.
#ifndef CRATE_REGISTRY_ARCHIVE_LOAD_PLAN_H_
#define CRATE_REGISTRY_ARCHIVE_LOAD_PLAN_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/optional.h"
#include "registry/archive/format.h"
#include "registry/archive/tar_catalog.h"
#include "registry/image/config.h"
#include "registry/image/manifest.h"
#include "registry/image/platform.h"
#include "registry/reference/digest.h"
#include "registry/reference/reference.h"

namespace crate::registry {

struct PlannedLayer {
  std::string entry;  // the archive file that holds the blob (resolved)
  uint64_t size = 0;
  // OCI archives: the manifest's; docker-archive: an OCI layer type chosen
  // from the blob's first bytes (tar, gzip or zstd).
  std::string media_type;
  // The blob's digest when it is known before the blob is read: the OCI
  // manifest's, or for an uncompressed docker-archive layer its DiffID.
  // Otherwise it is learnt as the blob is stored.
  absl::optional<Digest> digest;
  Digest diff_id;  // the config's rootfs.diff_ids entry
};

struct PlannedImage {
  // Names the image in errors: "archive /x.tar: image busybox:latest".
  std::string what;
  std::vector<Reference> tags;  // normalised; empty: loaded by ID only
  // OCI archives: the manifest blob. docker-archive: empty until
  // BuildManifest makes one from the stored layers.
  absl::optional<Digest> manifest_digest;
  std::string manifest;
  Descriptor config;  // media type, digest and size of config_bytes
  std::string config_bytes;
  ImageConfig image_config;
  std::vector<PlannedLayer> layers;
};

struct LoadPlan {
  ArchiveFormat format = ArchiveFormat::kOciArchive;
  std::vector<PlannedImage> images;  // each manifest once, archive order
};

struct LoadPlanOptions {
  // Where images an OCI archive names only by a tag go; none: such an
  // archive is refused.
  absl::optional<Reference> repository;
  // The platform chosen from nested indexes.
  Platform platform;
};

// An archive with `oci-layout` is an OCI layout (also when it has a
// manifest.json beside it, as `docker save` writes since Docker 25), one
// with `manifest.json` a docker-archive. Errors begin with "archive <name>"
// and name the image, the document or blob, and the reason.
absl::StatusOr<LoadPlan> PlanLoad(const TarCatalog& catalog,
                                  const LoadPlanOptions& options);

// A docker-archive image's manifest, once every layer's digest is known:
// an OCI image manifest of its config and layers, the same for the same
// archive, so that loading it twice records one image.
absl::Status BuildManifest(PlannedImage& image);

}  // namespace crate::registry

#endif  // CRATE_REGISTRY_ARCHIVE_LOAD_PLAN_H_
