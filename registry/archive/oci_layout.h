// The OCI image layout (image-spec image-layout.md) as an oci-archive holds
// it, `oci-layout`, `index.json` and `blobs/<algorithm>/<hex>`, and the OCI
// documents crate writes into one.
#ifndef CRATE_REGISTRY_ARCHIVE_OCI_LAYOUT_H_
#define CRATE_REGISTRY_ARCHIVE_OCI_LAYOUT_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/optional.h"
#include "registry/image/manifest.h"
#include "registry/reference/digest.h"
#include "registry/reference/reference.h"

namespace crate::registry {

inline constexpr absl::string_view kOciLayoutFile = "oci-layout";
inline constexpr absl::string_view kOciIndexFile = "index.json";
inline constexpr absl::string_view kOciLayoutVersion = "1.0.0";
// An index.json entry's name for its image: a tag ("latest") as the spec
// has it, or a whole reference, as skopeo and podman write it.
inline constexpr absl::string_view kRefNameAnnotation =
    "org.opencontainers.image.ref.name";
// containerd's whole image name beside a tag in ref.name (`ctr export`,
// and `docker save` since Docker 25).
inline constexpr absl::string_view kContainerdNameAnnotation =
    "io.containerd.image.name";

// "blobs/sha256/<hex>".
std::string OciBlobPath(const Digest& digest);

// Checks an `oci-layout` file: {"imageLayoutVersion": "1.0.0"}.
absl::Status CheckOciLayout(absl::string_view body, absl::string_view context);

// The name an index.json entry gives its image, normalised
// ("docker.io/library/busybox:1.36"), or nullopt when it gives none.
// containerd's annotation wins over ref.name. A ref.name without '/', ':'
// or '@' is a tag and is put on `repository`; without one, such an entry is
// refused (kInvalidArgument), since a tag alone names no image.
absl::StatusOr<absl::optional<Reference>> OciEntryName(
    const Descriptor& entry, const absl::optional<Reference>& repository,
    absl::string_view context);

std::string OciLayoutJson();
std::string OciIndexJson(const std::vector<Descriptor>& manifests);
// An OCI image manifest of `config` and `layers` (their media types as
// given).
std::string OciManifestJson(
    const Descriptor& config, const std::vector<Descriptor>& layers,
    const std::map<std::string, std::string>& annotations = {});
// `manifest` as an OCI image manifest, as skopeo converts one: Docker
// schema 2 media types become OCI's, blobs and annotations stay.
// kUnimplemented for a media type OCI has no counterpart for.
absl::StatusOr<std::string> ToOciManifest(const Manifest& manifest);

}  // namespace crate::registry

#endif  // CRATE_REGISTRY_ARCHIVE_OCI_LAYOUT_H_
