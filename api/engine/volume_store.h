// Named volumes of the local driver, one directory each:
//
//   <root>/volumes/<name>/volume.json    the record (VolumeRecord)
//   <root>/volumes/<name>/_data/         what containers mount
//
// A volume is made under a hidden name and renamed into place with
// RENAME_NOREPLACE, which the kernel does or refuses (EEXIST) in one step:
// two creates of one name end with one volume and one kAlreadyExists, and
// no reader ever sees a volume without its record. A removed volume is
// renamed out of sight before its data is deleted, for the same reason.
//
// Which containers use a volume is the engine's knowledge, asked through
// a VolumeUsersFn; the engine must not let a container take a volume up
// while a Remove or Prune of it runs.
#ifndef CRATE_API_ENGINE_VOLUME_STORE_H_
#define CRATE_API_ENGINE_VOLUME_STORE_H_

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "api/engine/dir_lock.h"
#include "api/engine/volume_record.h"
#include "runtime/base/unique_fd.h"

namespace crate::engine {

struct VolumeCreateOptions {
  std::string name;    // empty: an anonymous volume with a 64-hex name
  std::string driver;  // empty or "local"
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> options;  // type, device, o, size
};

// Names (or IDs) of the containers that use the volume; empty if none.
using VolumeUsersFn =
    std::function<std::vector<std::string>(const VolumeRecord&)>;

struct VolumeList {
  std::vector<VolumeRecord> volumes;   // by name
  std::vector<absl::Status> problems;  // unreadable entries, by path
};

struct VolumePruneReport {
  std::vector<std::string> removed;
  uint64_t space_reclaimed = 0;  // bytes of the removed volumes' files
  std::vector<absl::Status> problems;
};

class VolumeStore {
 public:
  // Creates <root>/volumes (0700) if needed.
  static absl::StatusOr<VolumeStore> Open(const std::string& root);

  // kAlreadyExists "volume x already exists" if the name is taken.
  absl::StatusOr<VolumeRecord> Create(const VolumeCreateOptions& options);

  // kNotFound "no such volume: x".
  absl::StatusOr<VolumeRecord> Get(absl::string_view name) const;

  absl::StatusOr<VolumeList> List() const;

  // Removes the volume and its data. A volume in use is refused
  // (kFailedPrecondition naming its containers) unless `force`; force also
  // removes a volume whose record is unreadable.
  absl::Status Remove(absl::string_view name, bool force,
                      const VolumeUsersFn& users);

  // Removes unused anonymous volumes, or with `all` every unused volume.
  absl::StatusOr<VolumePruneReport> Prune(bool all, const VolumeUsersFn& users);

  // Deletes what a crash left half-made or half-removed; run at service
  // start. Returns the paths removed; failures go to `problems`.
  absl::StatusOr<std::vector<std::string>> Repair(
      std::vector<absl::Status>* problems);

  // <root>/volumes/<name>/_data.
  std::string Mountpoint(absl::string_view name) const;

  // Holds the volume against Remove and Prune (a shared lock on its
  // directory, which they take exclusively) while a container records that
  // it uses it. kNotFound if there is no such volume.
  absl::StatusOr<DirLock> Hold(absl::string_view name) const;

  // The volume's data directory, opened (O_DIRECTORY) only if neither it
  // nor the volume's directory is a symlink: the runtime bind-mounts the
  // path it is given, and a data directory replaced by a link to /etc must
  // not give a container the host's /etc. kFailedPrecondition names the
  // path.
  absl::StatusOr<UniqueFd> OpenData(absl::string_view name) const;

 private:
  explicit VolumeStore(std::string dir) : dir_(std::move(dir)) {}

  std::string VolumeDir(absl::string_view name) const;
  absl::StatusOr<VolumeRecord> ReadRecord(absl::string_view name) const;
  absl::StatusOr<std::string> RemoveVolumeDir(absl::string_view name) const;

  std::string dir_;  // <root>/volumes
};

}  // namespace crate::engine

#endif  // CRATE_API_ENGINE_VOLUME_STORE_H_
