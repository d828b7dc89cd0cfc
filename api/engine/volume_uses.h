// Which volumes a container uses, kept in its record (the "volumes" list of
// ContainerRecord::config) from its create on: the record is what decides
// that a volume is in use, so a volume stays in use while any container
// that names it exists, running or not, as with docker.
#ifndef CRATE_API_ENGINE_VOLUME_USES_H_
#define CRATE_API_ENGINE_VOLUME_USES_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "api/engine/container_record.h"

namespace crate::engine {

struct VolumeUse {
  std::string name;
  std::string destination;  // in the container
  // Made for this container (no name given, or an image's VOLUME):
  // `rm -v` removes it with the container.
  bool anonymous = false;
};

// The record's volumes; entries that are not well-formed are skipped (a
// record written by hand must not make every volume look in use).
std::vector<VolumeUse> VolumeUsesOf(const ContainerRecord& record);

// Replaces the record's list.
void SetVolumeUses(ContainerRecord& record, const std::vector<VolumeUse>& uses);

// Whether the record names the volume.
bool UsesVolume(const ContainerRecord& record, absl::string_view volume);

// The containers among `records` that use the volume: their names (for
// messages) or their IDs (for the API).
std::vector<std::string> VolumeUserNames(
    const std::vector<ContainerRecord>& records, absl::string_view volume);
std::vector<std::string> VolumeUserIds(
    const std::vector<ContainerRecord>& records, absl::string_view volume);

}  // namespace crate::engine

#endif  // CRATE_API_ENGINE_VOLUME_USES_H_
