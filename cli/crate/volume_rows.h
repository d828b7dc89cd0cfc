// Volumes as docker shows them: rows of `volume ls` (DRIVER, VOLUME NAME,
// and the fields --format can name), the objects of `volume inspect`, and
// the key=value lists `volume create` takes.
#ifndef CRATE_CLI_CRATE_VOLUME_ROWS_H_
#define CRATE_CLI_CRATE_VOLUME_ROWS_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "api/proto/crate/v1/volumes.pb.h"
#include "cli/crate/format_template.h"

namespace crate::cli {

inline constexpr char kVolumesTable[] = "table {{.Driver}}\t{{.Name}}";

// Driver, Name, Mountpoint, Scope, Labels ("k=v,..."), Links (the number
// of containers using it), Size ("N/A"), Anonymous.
Json VolumeRow(const crate::v1::Volume& volume);
const std::map<std::string, std::string>& VolumeHeaders();

// docker's inspect object: CreatedAt, Driver, Labels, Mountpoint, Name,
// Options, Scope.
Json VolumeInspectJson(const crate::v1::Volume& volume,
                       absl::TimeZone zone = absl::LocalTimeZone());

// Go's RFC 3339 with seconds in `zone` ("2024-01-02T15:04:05Z",
// "...+01:00"), as docker's local driver reports a volume's creation.
std::string Rfc3339Seconds(absl::Time t, absl::TimeZone zone);

// "--label K=V", "-o K=V" into a map: a label may have no value (K), an
// option must (`what` names the flag in the error).
absl::StatusOr<std::map<std::string, std::string>> ParseKeyValues(
    const std::vector<std::string>& items, bool value_required,
    const std::string& what);

}  // namespace crate::cli

#endif  // CRATE_CLI_CRATE_VOLUME_ROWS_H_
