// Images as rows of `crate images`: one per name, as docker lists them,
// with docker's field names for the table, --format and --format json.
#ifndef CRATE_CLI_CRATE_IMAGE_ROWS_H_
#define CRATE_CLI_CRATE_IMAGE_ROWS_H_

#include <map>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "api/proto/crate/v1/images.pb.h"
#include "cli/crate/format_template.h"

namespace crate::cli {

inline constexpr char kImagesTable[] =
    "table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}";
inline constexpr char kImagesTableWithDigests[] =
    "table "
    "{{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{.CreatedSince}}\t{{."
    "Size}}";

// One row per name of the image; an image without names is one
// "<none>" row (or one per repository it has a digest in).
std::vector<Json> ImageRows(const crate::v1::ImageSummary& image,
                            absl::Time now, bool trunc);

const std::map<std::string, std::string>& ImageHeaders();

}  // namespace crate::cli

#endif  // CRATE_CLI_CRATE_IMAGE_ROWS_H_
