#include "cli/crate/volume_rows.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "cli/crate/humanize.h"

namespace crate::cli {
namespace {

Json Map(const google::protobuf::Map<std::string, std::string>& m) {
  // Sorted, as Go's encoding/json writes a map.
  std::map<std::string, std::string> sorted(m.begin(), m.end());
  Json out = Json::object();
  for (const auto& [k, v] : sorted) out[k] = v;
  return out;
}

}  // namespace

std::string Rfc3339Seconds(absl::Time t, absl::TimeZone zone) {
  std::string s = absl::FormatTime("%Y-%m-%dT%H:%M:%S%Ez", t, zone);
  // Go writes a zero offset as "Z".
  if (absl::EndsWith(s, "+00:00"))
    s = absl::StrCat(s.substr(0, s.size() - 6), "Z");
  return s;
}

Json VolumeRow(const crate::v1::Volume& v) {
  std::map<std::string, std::string> labels(v.labels().begin(),
                                            v.labels().end());
  Json row;
  row["Anonymous"] = v.anonymous() ? "true" : "false";
  row["Driver"] = v.driver();
  row["Labels"] = absl::StrJoin(labels, ",", absl::PairFormatter("="));
  row["Links"] = std::to_string(v.containers_size());
  row["Mountpoint"] = v.mountpoint();
  row["Name"] = v.name();
  row["Scope"] = "local";
  row["Size"] = "N/A";
  return row;
}

const std::map<std::string, std::string>& VolumeHeaders() {
  static const auto* headers = new std::map<std::string, std::string>{
      {"Anonymous", "ANONYMOUS"},   {"Driver", "DRIVER"},
      {"Labels", "LABELS"},         {"Links", "LINKS"},
      {"Mountpoint", "MOUNTPOINT"}, {"Name", "VOLUME NAME"},
      {"Scope", "SCOPE"},           {"Size", "SIZE"},
  };
  return *headers;
}

Json VolumeInspectJson(const crate::v1::Volume& v, absl::TimeZone zone) {
  Json j;
  j["CreatedAt"] =
      v.created_unix_nanos() != 0
          ? Rfc3339Seconds(FromApiNanos(v.created_unix_nanos()), zone)
          : "";
  j["Driver"] = v.driver();
  j["Labels"] = Map(v.labels());
  j["Mountpoint"] = v.mountpoint();
  j["Name"] = v.name();
  j["Options"] = Map(v.options());
  j["Scope"] = "local";
  return j;
}

absl::StatusOr<std::map<std::string, std::string>> ParseKeyValues(
    const std::vector<std::string>& items, bool value_required,
    const std::string& what) {
  std::map<std::string, std::string> out;
  for (const std::string& item : items) {
    size_t eq = item.find('=');
    if (eq == 0 || item.empty() ||
        (value_required && eq == std::string::npos)) {
      return absl::InvalidArgumentError(
          absl::StrCat("invalid ", what, " \"", item, "\": expected KEY",
                       value_required ? "=VALUE" : "[=VALUE]"));
    }
    if (eq == std::string::npos) {
      out[item] = "";
    } else {
      out[item.substr(0, eq)] = item.substr(eq + 1);
    }
  }
  return out;
}

}  // namespace crate::cli
