// Media types of the OCI image spec and of Docker's schema 2, and what crate
// does with each.
#ifndef CRATE_REGISTRY_IMAGE_MEDIA_TYPES_H_
#define CRATE_REGISTRY_IMAGE_MEDIA_TYPES_H_

#include <cstddef>

#include "absl/strings/string_view.h"

namespace crate::registry {

inline constexpr absl::string_view kOciIndex =
    "application/vnd.oci.image.index.v1+json";
inline constexpr absl::string_view kOciManifest =
    "application/vnd.oci.image.manifest.v1+json";
inline constexpr absl::string_view kOciConfig =
    "application/vnd.oci.image.config.v1+json";
inline constexpr absl::string_view kOciLayerTar =
    "application/vnd.oci.image.layer.v1.tar";
inline constexpr absl::string_view kOciLayerGzip =
    "application/vnd.oci.image.layer.v1.tar+gzip";
inline constexpr absl::string_view kOciLayerZstd =
    "application/vnd.oci.image.layer.v1.tar+zstd";
inline constexpr absl::string_view kOciLayerNondistributableTar =
    "application/vnd.oci.image.layer.nondistributable.v1.tar";
inline constexpr absl::string_view kOciLayerNondistributableGzip =
    "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip";
inline constexpr absl::string_view kOciLayerNondistributableZstd =
    "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd";

inline constexpr absl::string_view kDockerManifestList =
    "application/vnd.docker.distribution.manifest.list.v2+json";
inline constexpr absl::string_view kDockerManifest =
    "application/vnd.docker.distribution.manifest.v2+json";
inline constexpr absl::string_view kDockerConfig =
    "application/vnd.docker.container.image.v1+json";
inline constexpr absl::string_view kDockerLayerGzip =
    "application/vnd.docker.image.rootfs.diff.tar.gzip";
inline constexpr absl::string_view kDockerForeignLayerGzip =
    "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip";

// Docker's schema 1, signed and unsigned: refused everywhere.
inline constexpr absl::string_view kDockerSchema1 =
    "application/vnd.docker.distribution.manifest.v1+json";
inline constexpr absl::string_view kDockerSchema1Signed =
    "application/vnd.docker.distribution.manifest.v1+prettyjws";

// The Accept header value for manifest requests: every type crate can use,
// so that a registry never falls back to schema 1 for lack of a match.
inline constexpr absl::string_view kManifestAccept =
    "application/vnd.oci.image.index.v1+json, "
    "application/vnd.docker.distribution.manifest.list.v2+json, "
    "application/vnd.oci.image.manifest.v1+json, "
    "application/vnd.docker.distribution.manifest.v2+json";

// Manifests and configs larger than these are refused before they are read:
// a registry that sends a gigabyte where a manifest belongs is wrong or
// hostile. Distribution itself refuses manifests above 4 MiB.
inline constexpr size_t kMaxManifestSize = 4 << 20;
inline constexpr size_t kMaxConfigSize = 8 << 20;

inline bool IsIndexMediaType(absl::string_view mt) {
  return mt == kOciIndex || mt == kDockerManifestList;
}
inline bool IsManifestMediaType(absl::string_view mt) {
  return mt == kOciManifest || mt == kDockerManifest;
}
inline bool IsConfigMediaType(absl::string_view mt) {
  return mt == kOciConfig || mt == kDockerConfig;
}
inline bool IsSchema1MediaType(absl::string_view mt) {
  return mt == kDockerSchema1 || mt == kDockerSchema1Signed;
}

enum class LayerCompression { kNone, kGzip, kZstd };

// Whether `mt` is a layer crate can unpack, and how it is compressed.
inline bool LayerCompressionOf(absl::string_view mt, LayerCompression* out) {
  if (mt == kOciLayerTar || mt == kOciLayerNondistributableTar) {
    *out = LayerCompression::kNone;
  } else if (mt == kOciLayerGzip || mt == kOciLayerNondistributableGzip ||
             mt == kDockerLayerGzip || mt == kDockerForeignLayerGzip) {
    *out = LayerCompression::kGzip;
  } else if (mt == kOciLayerZstd || mt == kOciLayerNondistributableZstd) {
    *out = LayerCompression::kZstd;
  } else {
    return false;
  }
  return true;
}

}  // namespace crate::registry

#endif  // CRATE_REGISTRY_IMAGE_MEDIA_TYPES_H_
