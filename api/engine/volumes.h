// The engine's volumes: the volume store with the container records as
// the judge of which volumes are in use (volume_uses.h), and the volumes a
// container mounts, made, held and filled at its create.
//
// A container takes a volume up under the volume's shared lock, which
// Remove and Prune take exclusively before they ask who uses it: the
// container's record names the volume before the lock goes, so a volume is
// never removed between a create's look and its record.
#ifndef CRATE_API_ENGINE_VOLUMES_H_
#define CRATE_API_ENGINE_VOLUMES_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "api/engine/container_store.h"
#include "api/engine/volume_store.h"
#include "runtime/container/options.h"

namespace crate::engine {

struct VolumeInfo {
  VolumeRecord record;
  std::vector<std::string> containers;  // IDs of the containers using it
};

struct VolumeMountRequest {
  std::string container_id;  // its record exists (state creating)
  std::string rootfs;        // mounted: where copy-up reads the image
  std::vector<std::string> image_volumes;  // the image's VOLUMEs
  // The user's mounts; those of kVolume name their volume in volume_name
  // (empty: an anonymous one) and may carry "nocopy" in their options.
  std::vector<container::Mount> mounts;
};

class Volumes {
 public:
  // `containers` must outlive this.
  Volumes(VolumeStore store, ContainerStore* containers)
      : store_(std::move(store)), containers_(containers) {}

  // docker's `volume create`: an empty name gets a generated 64-hex one,
  // which is still a named volume (plain prune keeps it).
  absl::StatusOr<VolumeInfo> Create(const VolumeCreateOptions& options);
  absl::StatusOr<VolumeInfo> Inspect(const std::string& name);
  // By name; filters as volume_filters.h says for ls.
  absl::StatusOr<std::vector<VolumeInfo>> List(
      const std::vector<std::string>& filters);
  // Refused while a container uses it, naming the containers, unless
  // forced.
  absl::Status Remove(const std::string& name, bool force);
  // Unused anonymous volumes, or every unused one with all=true; filters
  // as volume_filters.h says for prune.
  absl::StatusOr<VolumePruneReport> Prune(
      const std::vector<std::string>& filters);
  absl::StatusOr<std::vector<std::string>> Repair(
      std::vector<absl::Status>* problems) {
    return store_.Repair(problems);
  }

  // The mounts of a container being created, volumes resolved: each named
  // volume made if missing (docker's way), one anonymous volume for each
  // kVolume mount without a name and for each image VOLUME no mount covers;
  // all recorded in the container's record; a new, empty volume filled
  // from the image (copy-up) unless "nocopy"; sources set to the checked
  // data directories. The anonymous volumes made are added to `made` (on
  // failure too), for DropMade when the create fails.
  absl::StatusOr<std::vector<container::Mount>> PrepareMounts(
      const VolumeMountRequest& request, std::vector<std::string>* made);

  // Removes anonymous volumes made for a create that failed (its record is
  // gone); best effort.
  void DropMade(const std::vector<std::string>& made);

  // `rm -v`: the anonymous volumes of a container whose record is gone,
  // unless another container uses one now; named ones stay, as with
  // docker. Best effort, like docker's.
  void RemoveAnonymousOf(const ContainerRecord& removed);

 private:
  struct Taken {
    VolumeRecord record;
    DirLock hold;
  };
  // The named volume (made if missing) or a new anonymous one, held.
  absl::StatusOr<Taken> Take(const std::string& name,
                             std::vector<std::string>* made);
  VolumeUsersFn UserNames();
  std::vector<std::string> UserIds(const std::string& volume);

  VolumeStore store_;
  ContainerStore* containers_;
};

}  // namespace crate::engine

#endif  // CRATE_API_ENGINE_VOLUMES_H_
