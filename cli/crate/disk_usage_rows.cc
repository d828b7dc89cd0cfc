#include "cli/crate/disk_usage_rows.h"

#include "absl/strings/str_cat.h"
#include "cli/crate/container_rows.h"
#include "cli/crate/humanize.h"
#include "cli/crate/image_rows.h"
#include "cli/crate/row_output.h"

namespace crate::cli {
namespace {

constexpr char kImagesVerbose[] =
    "table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}\t{"
    "{.SharedSize}}\t{{.UniqueSize}}\t{{.Containers}}";
constexpr char kContainersVerbose[] =
    "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.LocalVolumes}}\t{{.Size}}\t{{"
    ".RunningFor}}\t{{.Status}}\t{{.Names}}";
constexpr char kVolumesVerbose[] = "table {{.Name}}\t{{.Links}}\t{{.Size}}";

// docker's df prints go-units' HumanSize (four digits) but the columns it
// shares with images and ps (an image's and a container's own SIZE) with
// three, as those commands do.
std::string Size(uint64_t bytes) {
  return HumanSizeWithPrecision(static_cast<double>(bytes), 4);
}
std::string Size3(uint64_t bytes) {
  return HumanSize(static_cast<double>(bytes));
}

Json SummaryRow(const char* type,
                const google::protobuf::RepeatedPtrField<
                    crate::v1::DiskUsageResponse::Item>& items,
                uint64_t total, uint64_t reclaimable) {
  int active = 0;
  for (const auto& item : items) active += item.in_use() ? 1 : 0;
  Json row;
  row["Type"] = type;
  row["TotalCount"] = std::to_string(items.size());
  row["Active"] = std::to_string(active);
  row["Size"] = Size(total);
  row["Reclaimable"] = ReclaimableText(reclaimable, total);
  return row;
}

}  // namespace

std::string ReclaimableText(uint64_t reclaimable, uint64_t total) {
  if (total == 0) return Size(reclaimable);
  return absl::StrCat(Size(reclaimable), " (", reclaimable * 100 / total, "%)");
}

std::vector<Json> DiskUsageRows(const crate::v1::DiskUsageResponse& u) {
  return {
      SummaryRow("Images", u.images(), u.images_bytes(),
                 u.images_reclaimable_bytes()),
      SummaryRow("Containers", u.containers(), u.containers_bytes(),
                 u.containers_reclaimable_bytes()),
      SummaryRow("Local Volumes", u.volumes(), u.volumes_bytes(),
                 u.volumes_reclaimable_bytes()),
  };
}

const std::map<std::string, std::string>& DiskUsageHeaders() {
  static const auto* headers = new std::map<std::string, std::string>{
      {"Type", "TYPE"}, {"TotalCount", "TOTAL"},        {"Active", "ACTIVE"},
      {"Size", "SIZE"}, {"Reclaimable", "RECLAIMABLE"},
  };
  return *headers;
}

absl::StatusOr<std::string> VerboseDiskUsage(
    const crate::v1::DiskUsageResponse& usage,
    const std::vector<crate::v1::ImageSummary>& images,
    const std::vector<crate::v1::ContainerSummary>& containers,
    const std::vector<crate::v1::Volume>& volumes, absl::Time now) {
  std::vector<Json> rows;
  for (const auto& item : usage.images()) {
    crate::v1::ImageSummary image;
    image.set_id(item.id());
    for (const crate::v1::ImageSummary& s : images) {
      if (s.id() == item.id()) image = s;
    }
    for (Json& row : ImageRows(image, now, /*trunc=*/true)) {
      row["Size"] = Size3(item.size_bytes());
      row["SharedSize"] = Size(item.shared_size_bytes());
      row["UniqueSize"] = Size(item.size_bytes() - item.shared_size_bytes());
      row["Containers"] = std::to_string(item.containers());
      rows.push_back(std::move(row));
    }
  }
  absl::StatusOr<std::string> images_table =
      RenderRows(rows, "", kImagesVerbose, ImageHeaders());
  if (!images_table.ok()) return images_table.status();

  rows.clear();
  for (const auto& item : usage.containers()) {
    crate::v1::ContainerSummary container;
    container.set_id(item.id());
    container.set_name(item.name());
    for (const crate::v1::ContainerSummary& c : containers) {
      if (c.id() == item.id()) container = c;
    }
    Json row = ContainerRow(container, now, /*trunc=*/true);
    int local_volumes = 0;
    for (const crate::v1::Volume& v : volumes) {
      for (const std::string& user : v.containers()) {
        if (user == item.id()) ++local_volumes;
      }
    }
    row["LocalVolumes"] = std::to_string(local_volumes);
    row["Size"] = Size3(item.size_bytes());
    rows.push_back(std::move(row));
  }
  absl::StatusOr<std::string> containers_table =
      RenderRows(rows, "", kContainersVerbose, ContainerHeaders());
  if (!containers_table.ok()) return containers_table.status();

  rows.clear();
  for (const auto& item : usage.volumes()) {
    Json row;
    row["Name"] = item.name();
    row["Links"] = std::to_string(item.containers());
    row["Size"] = Size(item.size_bytes());
    rows.push_back(std::move(row));
  }
  absl::StatusOr<std::string> volumes_table = RenderRows(
      rows, "", kVolumesVerbose,
      {{"Name", "VOLUME NAME"}, {"Links", "LINKS"}, {"Size", "SIZE"}});
  if (!volumes_table.ok()) return volumes_table.status();

  return absl::StrCat("Images space usage:\n\n", *images_table,
                      "\nContainers space usage:\n\n", *containers_table,
                      "\nLocal Volumes space usage:\n\n", *volumes_table);
}

}  // namespace crate::cli
