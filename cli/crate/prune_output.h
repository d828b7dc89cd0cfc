// What the prune commands print, in docker's words: the warning asked
// before pruning, the deleted objects, and the space reclaimed.
#ifndef CRATE_CLI_CRATE_PRUNE_OUTPUT_H_
#define CRATE_CLI_CRATE_PRUNE_OUTPUT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "api/proto/crate/v1/containers.pb.h"
#include "api/proto/crate/v1/images.pb.h"
#include "api/proto/crate/v1/volumes.pb.h"

namespace crate::cli {

// The warnings of `container prune`, `image prune [-a]` and `system prune
// [-a] [--volumes]` (without docker's lines for networks and build cache,
// which crate does not have); filters are listed as docker lists them.
std::string ContainerPruneWarning();
std::string ImagePruneWarning(bool all);
std::string SystemPruneWarning(bool all, bool volumes,
                               const std::vector<std::string>& filters);

// The warning and docker's "Are you sure you want to continue?" under it,
// for prompt.h's Confirm.
std::string PruneQuestion(absl::string_view warning);

// "Deleted Containers:\n<id>\n...": empty when nothing was deleted.
std::string DeletedContainersText(
    const crate::v1::PruneContainersResponse& response);
// "Deleted Images:\nuntagged: <name>\n...deleted: <id>\n": names short, as
// docker shows them.
std::string DeletedImagesText(const crate::v1::PruneImagesResponse& response);
// "Deleted Volumes:\n<name>\n...".
std::string DeletedVolumesText(const crate::v1::PruneVolumesResponse& response);

// "Total reclaimed space: 1.2MB".
std::string ReclaimedText(uint64_t bytes);

}  // namespace crate::cli

#endif  // CRATE_CLI_CRATE_PRUNE_OUTPUT_H_
