// What images, containers and volumes hold on disk (System.DiskUsage),
// and what pruning them would free.
//
// An image is made of parts: its layer blobs (compressed, in content/),
// its unpacked layers (snapshots/<chain>/, by chain ID) and its manifest
// and config. Images share parts: two tags of one base share its blobs and
// snapshots, a gzip and a zstd image of one layer share only the snapshot.
// An image's size counts every part it uses; its shared size the parts
// that another image uses too (docker's SharedSize); the totals count each
// part once. Unique size is size - shared.
//
// A container's size is its writable layer (snapshots/containers/<id>/:
// the overlay's upper and work directories, or the whole copy where there
// is no overlayfs; the mounted root inside it is not walked) and its log.
#ifndef CRATE_API_ENGINE_DISK_USAGE_H_
#define CRATE_API_ENGINE_DISK_USAGE_H_

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "api/engine/engine.h"
#include "api/engine/tree_usage.h"

namespace crate::engine {

struct UsageItem {
  std::string id;
  std::string name;
  uint64_t size = 0;
  uint64_t shared = 0;  // images: bytes another image uses too
  bool in_use = false;  // images, volumes: by a container; containers: running
  int containers = 0;   // images, volumes: how many use it
};

struct DiskUsage {
  std::vector<UsageItem> images;
  std::vector<UsageItem> containers;
  std::vector<UsageItem> volumes;
  uint64_t images_bytes = 0;  // each part once
  uint64_t containers_bytes = 0;
  uint64_t volumes_bytes = 0;
  uint64_t images_reclaimable = 0;  // parts no image in use has
  uint64_t containers_reclaimable = 0;
  uint64_t volumes_reclaimable = 0;
  // Some tree was deeper than TreeUsage walks: the figures are at least
  // these.
  bool truncated = false;
};

// An image as the parts of the disk it uses.
struct ImageParts {
  UsageItem item;  // id, name, in_use and containers; sizes are computed
  // A key per part ("blob:sha256:..", "snapshot:sha256:..") and its bytes;
  // one key always has the same bytes.
  std::vector<std::pair<std::string, uint64_t>> parts;
};

// Fills out->images and the images' totals from their parts.
void SumImages(const std::vector<ImageParts>& images, DiskUsage* out);

// The bytes of a container's writable layer and log, not yet counted by
// `counter`.
absl::StatusOr<uint64_t> ContainerBytes(Engine& engine,
                                        const ContainerInfo& container,
                                        TreeUsage& counter);

// A volume as DiskUsage sees it; the engine's volumes say which containers
// use one.
struct VolumeSource {
  std::string name;
  std::string data_dir;  // what containers mount
  int containers = 0;
};
using VolumeSourcesFn =
    std::function<absl::StatusOr<std::vector<VolumeSource>>()>;

// `volumes` empty: none are counted.
absl::StatusOr<DiskUsage> ComputeDiskUsage(
    Engine& engine, const VolumeSourcesFn& volumes = nullptr);

}  // namespace crate::engine

#endif  // CRATE_API_ENGINE_DISK_USAGE_H_
