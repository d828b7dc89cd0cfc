#include "cli/crate/stats_rows.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "cli/crate/humanize.h"

namespace crate::cli {

double CpuPercent(const crate::v1::StatsResponse& before,
                  const crate::v1::StatsResponse& now) {
  if (!before.running() || !now.running() ||
      now.cpu_usage_nanos() < before.cpu_usage_nanos() ||
      now.system_cpu_usage_nanos() <= before.system_cpu_usage_nanos()) {
    return 0;
  }
  double cpu =
      static_cast<double>(now.cpu_usage_nanos() - before.cpu_usage_nanos());
  double system = static_cast<double>(now.system_cpu_usage_nanos() -
                                      before.system_cpu_usage_nanos());
  return cpu / system * static_cast<double>(now.online_cpus()) * 100.0;
}

Json StatsRow(const crate::v1::StatsResponse& now,
              const crate::v1::StatsResponse* before) {
  Json row = Json::object();
  row["Container"] = now.name();
  row["ID"] = now.id().substr(0, 12);
  row["Name"] = now.name();
  double cpu = before != nullptr ? CpuPercent(*before, now) : 0;
  row["CPUPerc"] = absl::StrFormat("%.2f%%", cpu);
  const double usage = static_cast<double>(now.memory_usage_bytes());
  const double limit = static_cast<double>(now.memory_limit_bytes());
  row["MemUsage"] = absl::StrCat(BytesSize(usage), " / ", BytesSize(limit));
  row["MemPerc"] =
      absl::StrFormat("%.2f%%", limit > 0 ? usage / limit * 100.0 : 0.0);
  // No networking yet: nothing to count.
  row["NetIO"] = "--";
  row["BlockIO"] = absl::StrCat(
      HumanSizeWithPrecision(static_cast<double>(now.block_read_bytes()), 3),
      " / ",
      HumanSizeWithPrecision(static_cast<double>(now.block_write_bytes()), 3));
  row["PIDs"] = absl::StrCat(now.pids());
  return row;
}

std::map<std::string, std::string> StatsHeaders() {
  return {{"Container", "CONTAINER"},
          {"ID", "CONTAINER ID"},
          {"Name", "NAME"},
          {"CPUPerc", "CPU %"},
          {"MemUsage", "MEM USAGE / LIMIT"},
          {"MemPerc", "MEM %"},
          {"NetIO", "NET I/O"},
          {"BlockIO", "BLOCK I/O"},
          {"PIDs", "PIDS"}};
}

}  // namespace crate::cli
