#include "cli/crate/prune_output.h"

#include "absl/strings/str_cat.h"
#include "cli/crate/humanize.h"
#include "cli/crate/image_names.h"

namespace crate::cli {

std::string ContainerPruneWarning() {
  return "WARNING! This will remove all stopped containers.";
}

std::string ImagePruneWarning(bool all) {
  return all ? "WARNING! This will remove all images without at least one "
               "container associated to them."
             : "WARNING! This will remove all dangling images.";
}

std::string SystemPruneWarning(bool all, bool volumes,
                               const std::vector<std::string>& filters) {
  std::string out = "WARNING! This will remove:\n  - all stopped containers";
  if (volumes) {
    absl::StrAppend(&out,
                    "\n  - all anonymous volumes not used by at least one "
                    "container");
  }
  absl::StrAppend(&out, all ? "\n  - all images without at least one "
                              "container associated to them"
                            : "\n  - all dangling images");
  absl::StrAppend(&out, "\n");
  if (!filters.empty()) {
    absl::StrAppend(&out, "\n  Items to be pruned will be filtered with:");
    for (const std::string& f : filters) absl::StrAppend(&out, "\n  - ", f);
    absl::StrAppend(&out, "\n");
  }
  return out;
}

std::string PruneQuestion(absl::string_view warning) {
  return absl::StrCat(warning, "\nAre you sure you want to continue?");
}

std::string DeletedContainersText(
    const crate::v1::PruneContainersResponse& response) {
  if (response.removed().empty()) return "";
  std::string out = "Deleted Containers:\n";
  for (const std::string& id : response.removed()) {
    absl::StrAppend(&out, id, "\n");
  }
  return out;
}

std::string DeletedImagesText(const crate::v1::PruneImagesResponse& response) {
  if (response.deleted().empty() && response.untagged().empty()) return "";
  std::string out = "Deleted Images:\n";
  for (const std::string& name : response.untagged()) {
    absl::StrAppend(&out, "untagged: ", ShortImageName(name), "\n");
  }
  for (const std::string& id : response.deleted()) {
    absl::StrAppend(&out, "deleted: ", id, "\n");
  }
  return out;
}

std::string DeletedVolumesText(
    const crate::v1::PruneVolumesResponse& response) {
  if (response.removed().empty()) return "";
  std::string out = "Deleted Volumes:\n";
  for (const std::string& name : response.removed()) {
    absl::StrAppend(&out, name, "\n");
  }
  return out;
}

std::string ReclaimedText(uint64_t bytes) {
  return absl::StrCat("Total reclaimed space: ",
                      HumanSizeWithPrecision(static_cast<double>(bytes), 4));
}

}  // namespace crate::cli
