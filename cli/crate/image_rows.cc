#include "cli/crate/image_rows.h"

#include "absl/strings/str_cat.h"
#include "cli/crate/humanize.h"
#include "cli/crate/image_names.h"

namespace crate::cli {
namespace {

// The digest the image has in `repository` (full form), else "<none>".
std::string DigestIn(const crate::v1::ImageSummary& image,
                     const std::string& repository) {
  for (const std::string& d : image.digests()) {
    if (d.compare(0, d.find('@'), repository) == 0) return DigestPart(d);
  }
  return "<none>";
}

Json Row(const crate::v1::ImageSummary& image, const std::string& repository,
         const std::string& tag, const std::string& digest, absl::Time now,
         bool trunc) {
  absl::Time created = FromApiNanos(image.created_unix_nanos());
  Json row;
  row["Containers"] = std::to_string(image.containers_size());
  row["CreatedAt"] = GoTimeString(created);
  row["CreatedSince"] =
      image.created_unix_nanos() == 0
          ? "N/A"
          : absl::StrCat(HumanDuration(now - created), " ago");
  row["Digest"] = digest;
  row["ID"] = trunc ? ShortId(image.id()) : image.id();
  row["Repository"] = repository;
  row["SharedSize"] = "N/A";
  row["Size"] = HumanSize(static_cast<double>(image.size_bytes()));
  row["Tag"] = tag;
  row["UniqueSize"] = "N/A";
  row["VirtualSize"] = HumanSize(static_cast<double>(image.size_bytes()));
  return row;
}

}  // namespace

std::vector<Json> ImageRows(const crate::v1::ImageSummary& image,
                            absl::Time now, bool trunc) {
  std::vector<Json> rows;
  for (const std::string& name : image.names()) {
    auto [repository, tag] = SplitRepoTag(name);
    rows.push_back(Row(image, ShortImageName(repository),
                       tag.empty() ? "<none>" : tag,
                       DigestIn(image, repository), now, trunc));
  }
  if (!rows.empty()) return rows;
  for (const std::string& d : image.digests()) {
    std::string repository = d.substr(0, d.find('@'));
    rows.push_back(Row(image, ShortImageName(repository), "<none>",
                       DigestPart(d), now, trunc));
  }
  if (rows.empty()) {
    rows.push_back(Row(image, "<none>", "<none>", "<none>", now, trunc));
  }
  return rows;
}

const std::map<std::string, std::string>& ImageHeaders() {
  static const auto* headers = new std::map<std::string, std::string>{
      {"Containers", "CONTAINERS"},
      {"CreatedAt", "CREATED AT"},
      {"CreatedSince", "CREATED"},
      {"Digest", "DIGEST"},
      {"ID", "IMAGE ID"},
      {"Repository", "REPOSITORY"},
      {"SharedSize", "SHARED SIZE"},
      {"Size", "SIZE"},
      {"Tag", "TAG"},
      {"UniqueSize", "UNIQUE SIZE"},
      {"VirtualSize", "VIRTUAL SIZE"},
  };
  return *headers;
}

}  // namespace crate::cli
