// What the service keeps about one named volume, stored as
// volumes/<name>/volume.json beside the volume's data in volumes/<name>/_data.
#ifndef CRATE_API_ENGINE_VOLUME_RECORD_H_
#define CRATE_API_ENGINE_VOLUME_RECORD_H_

#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"

namespace crate::engine {

inline constexpr char kLocalVolumeDriver[] = "local";

struct VolumeRecord {
  std::string name;
  std::string driver = kLocalVolumeDriver;
  std::map<std::string, std::string> labels;
  // The local driver's mount options (type, device, o, size), as given.
  std::map<std::string, std::string> options;
  absl::Time created = absl::InfinitePast();
  // Made without a name (for a container's `-v /path`): plain prune
  // removes only these, as docker's `volume prune` does since 23.0.
  bool anonymous = false;

  // Where the data lives; filled in by the store, never stored, so that a
  // moved root still finds its volumes.
  std::string mountpoint;
};

// `source` (the file's path) starts every error; unknown fields are
// ignored; name is required and checked.
absl::StatusOr<VolumeRecord> ParseVolumeRecord(absl::string_view text,
                                               absl::string_view source);
// kInvalidArgument if a label or option is not UTF-8.
absl::StatusOr<std::string> SerializeVolumeRecord(const VolumeRecord& record);

}  // namespace crate::engine

#endif  // CRATE_API_ENGINE_VOLUME_RECORD_H_
