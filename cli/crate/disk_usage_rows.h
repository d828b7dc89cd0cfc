// `crate system df` as docker prints it: the TYPE/TOTAL/ACTIVE/SIZE/
// RECLAIMABLE summary (rows for --format too), and with -v a table per
// kind. crate has no build cache, so docker's "Build Cache" row and
// section are left out.
#ifndef CRATE_CLI_CRATE_DISK_USAGE_ROWS_H_
#define CRATE_CLI_CRATE_DISK_USAGE_ROWS_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "api/proto/crate/v1/containers.pb.h"
#include "api/proto/crate/v1/images.pb.h"
#include "api/proto/crate/v1/system.pb.h"
#include "api/proto/crate/v1/volumes.pb.h"
#include "cli/crate/format_template.h"

namespace crate::cli {

inline constexpr char kDiskUsageTable[] =
    "table {{.Type}}\t{{.TotalCount}}\t{{.Active}}\t{{.Size}}\t{{."
    "Reclaimable}}";

// One row per type (Images, Containers, Local Volumes), docker's fields
// as strings.
std::vector<Json> DiskUsageRows(const crate::v1::DiskUsageResponse& usage);
const std::map<std::string, std::string>& DiskUsageHeaders();

// "1.2MB (50%)"; without the percentage when the total is 0.
std::string ReclaimableText(uint64_t reclaimable, uint64_t total);

// The three -v sections. Images and containers are joined with their
// listings (names, creation, command, status) by ID; an item the listing
// lacks (removed in between) is shown by ID alone. A container's LOCAL
// VOLUMES are the volumes that name it among their users.
absl::StatusOr<std::string> VerboseDiskUsage(
    const crate::v1::DiskUsageResponse& usage,
    const std::vector<crate::v1::ImageSummary>& images,
    const std::vector<crate::v1::ContainerSummary>& containers,
    const std::vector<crate::v1::Volume>& volumes, absl::Time now);

}  // namespace crate::cli

#endif  // CRATE_CLI_CRATE_DISK_USAGE_ROWS_H_
