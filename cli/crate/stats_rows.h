// docker stats' rows from the service's counters: CPU % from two reads
// (docker's formula), memory and block I/O in docker's units.
#ifndef CRATE_CLI_CRATE_STATS_ROWS_H_
#define CRATE_CLI_CRATE_STATS_ROWS_H_

#include <map>
#include <string>

#include "api/proto/crate/v1/containers.pb.h"
#include "cli/crate/format_template.h"

namespace crate::cli {

// docker's default table.
inline constexpr char kStatsTable[] =
    "table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t"
    "{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}";

// (container CPU delta / host CPU delta) * CPUs * 100 between two reads of
// one container; 0 without an earlier read or when no time passed.
double CpuPercent(const crate::v1::StatsResponse& before,
                  const crate::v1::StatsResponse& now);

// One row: Container, ID, Name, CPUPerc, MemUsage, MemPerc, NetIO,
// BlockIO, PIDs. `before` may be null (CPU % then reads 0.00%).
Json StatsRow(const crate::v1::StatsResponse& now,
              const crate::v1::StatsResponse* before);

std::map<std::string, std::string> StatsHeaders();

}  // namespace crate::cli

#endif  // CRATE_CLI_CRATE_STATS_ROWS_H_
