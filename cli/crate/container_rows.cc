#include "cli/crate/container_rows.h"

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "cli/crate/humanize.h"
#include "cli/crate/image_names.h"
#include "cli/crate/table.h"

namespace crate::cli {

std::string StateName(crate::v1::ContainerStatus status) {
  switch (status) {
    case crate::v1::CREATED:
      return "created";
    case crate::v1::RUNNING:
      return "running";
    case crate::v1::PAUSED:
      return "paused";
    case crate::v1::EXITED:
      return "exited";
    case crate::v1::REMOVING:
      return "removing";
    default:
      return "unknown";
  }
}

std::string StatusText(const crate::v1::ContainerSummary& c, absl::Time now) {
  switch (c.status()) {
    case crate::v1::CREATED:
      return "Created";
    case crate::v1::RUNNING:
      return absl::StrCat(
          "Up ", HumanDuration(now - FromApiNanos(c.started_unix_nanos())));
    case crate::v1::PAUSED:
      return absl::StrCat(
          "Up ", HumanDuration(now - FromApiNanos(c.started_unix_nanos())),
          " (Paused)");
    case crate::v1::EXITED:
      if (c.finished_unix_nanos() == 0) {
        return absl::StrCat("Exited (", c.exit_code(), ")");
      }
      return absl::StrCat(
          "Exited (", c.exit_code(), ") ",
          HumanDuration(now - FromApiNanos(c.finished_unix_nanos())), " ago");
    case crate::v1::REMOVING:
      return "Removal In Progress";
    default:
      return "";
  }
}

std::string GoQuote(absl::string_view text) {
  std::string out = "\"";
  for (unsigned char ch : text) {
    switch (ch) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (ch < 0x20 || ch == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\x%02x", ch);
          out += buf;
        } else {
          out += static_cast<char>(ch);
        }
    }
  }
  return out + "\"";
}

Json ContainerRow(const crate::v1::ContainerSummary& c, absl::Time now,
                  bool trunc) {
  std::string command = absl::StrJoin(c.command(), " ");
  std::string image = ShortImageName(c.image());
  if (trunc && image.rfind("sha256:", 0) == 0) image = ShortId(image);
  std::map<std::string, std::string> sorted(c.labels().begin(),
                                            c.labels().end());
  Json row;
  row["Command"] = GoQuote(trunc ? Ellipsis(command, 20) : command);
  row["CreatedAt"] = GoTimeString(FromApiNanos(c.created_unix_nanos()));
  row["ID"] = trunc ? c.id().substr(0, 12) : c.id();
  row["Image"] = image;
  row["Labels"] = absl::StrJoin(sorted, ",", absl::PairFormatter("="));
  row["LocalVolumes"] = "0";
  row["Mounts"] = "";
  row["Names"] = c.name();
  row["Networks"] = "";
  row["Ports"] = "";
  row["RunningFor"] = absl::StrCat(
      HumanDuration(now - FromApiNanos(c.created_unix_nanos())), " ago");
  row["Size"] = "0B";
  row["State"] = StateName(c.status());
  row["Status"] = StatusText(c, now);
  return row;
}

const std::map<std::string, std::string>& ContainerHeaders() {
  static const auto* headers = new std::map<std::string, std::string>{
      {"Command", "COMMAND"},    {"CreatedAt", "CREATED AT"},
      {"ID", "CONTAINER ID"},    {"Image", "IMAGE"},
      {"Labels", "LABELS"},      {"LocalVolumes", "LOCAL VOLUMES"},
      {"Mounts", "MOUNTS"},      {"Names", "NAMES"},
      {"Networks", "NETWORKS"},  {"Ports", "PORTS"},
      {"RunningFor", "CREATED"}, {"Size", "SIZE"},
      {"State", "STATE"},        {"Status", "STATUS"},
  };
  return *headers;
}

}  // namespace crate::cli
