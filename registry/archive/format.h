// The two image archive formats: an OCI image layout in a tar (what
// `skopeo copy ... oci-archive:` and `podman save --format oci-archive`
// write) and `docker save`'s format (skopeo's "docker-archive").
#ifndef CRATE_REGISTRY_ARCHIVE_FORMAT_H_
#define CRATE_REGISTRY_ARCHIVE_FORMAT_H_

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace crate::registry {

enum class ArchiveFormat { kOciArchive, kDockerArchive };

// skopeo's transport names.
inline absl::string_view ArchiveFormatName(ArchiveFormat format) {
  return format == ArchiveFormat::kOciArchive ? "oci-archive"
                                              : "docker-archive";
}

inline absl::StatusOr<ArchiveFormat> ParseArchiveFormat(absl::string_view s) {
  if (s == "oci-archive" || s == "oci") return ArchiveFormat::kOciArchive;
  if (s == "docker-archive" || s == "docker") {
    return ArchiveFormat::kDockerArchive;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown archive format \"", s,
                   "\" (expected oci-archive or docker-archive)"));
}

}  // namespace crate::registry

#endif  // CRATE_REGISTRY_ARCHIVE_FORMAT_H_
