// Containers as rows of `crate ps`: docker's field names and texts
// ("Up 3 seconds", "Exited (3) 2 minutes ago"), for its table, --format
// templates and --format json alike.
#ifndef CRATE_CLI_CRATE_CONTAINER_ROWS_H_
#define CRATE_CLI_CRATE_CONTAINER_ROWS_H_

#include <map>
#include <string>

#include "absl/time/time.h"
#include "api/proto/crate/v1/containers.pb.h"
#include "cli/crate/format_template.h"

namespace crate::cli {

// docker ps's own table.
inline constexpr char kPsTable[] =
    "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{."
    "Ports}}\t{{.Names}}";

// "running", "exited", ... as docker's State field.
std::string StateName(crate::v1::ContainerStatus status);

// docker's Status: "Up 3 seconds", "Exited (3) 2 minutes ago", "Created".
std::string StatusText(const crate::v1::ContainerSummary& c, absl::Time now);

// Go's strconv.Quote: the command as docker shows it.
std::string GoQuote(absl::string_view text);

// One container as docker ps's fields; `trunc` shortens the ID and the
// command as the table does (--no-trunc turns it off).
Json ContainerRow(const crate::v1::ContainerSummary& c, absl::Time now,
                  bool trunc);

// Column headers of docker ps for its fields.
const std::map<std::string, std::string>& ContainerHeaders();

}  // namespace crate::cli

#endif  // CRATE_CLI_CRATE_CONTAINER_ROWS_H_
