// The local image store: which images are here and by what names.
//
// An image is recorded under its manifest digest; its ID is its config
// digest, as in Docker. Tags are full references
// ("docker.io/library/alpine:latest") pointing at a manifest digest, and
// move when an image is pulled again. Blobs live in the ContentStore; this
// store only says which of them are in use (LiveDigests), and
// CollectGarbage (image.h) removes the rest.
//
// Storage: one JSON state file, images.json, replaced atomically
// (WriteFileAtomic: temp file, fsync, rename, fsync dir) under an exclusive
// flock on images.lock for every change; readers need no lock, since the
// rename makes each version of the file appear whole. We
// chose this over SQLite because the data is small (a host holds hundreds
// of images, not millions), every change is a whole read-modify-write that
// must be atomic anyway, the file can be read and repaired with jq, and
// nothing else in registry/ would need SQLite. A crash leaves either the old
// or the new file, never a mix.
//
// Safe for several threads and processes at once.
#ifndef CRATE_REGISTRY_IMAGE_IMAGE_STORE_H_
#define CRATE_REGISTRY_IMAGE_IMAGE_STORE_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/optional.h"
#include "registry/reference/digest.h"
#include "registry/reference/reference.h"

namespace crate::registry {

struct ImageRecord {
  Digest manifest_digest;
  std::string manifest_media_type;
  Digest config_digest;  // the image ID
  // Blobs of the layers (compressed), bottom first, and their sizes.
  std::vector<Digest> layers;
  std::vector<uint64_t> layer_sizes;
  // The index (manifest list) this manifest was chosen from, if any; kept
  // so that name@<index digest> resolves and the index blob stays live.
  absl::optional<Digest> index_digest;
  // The index's other manifests and their configs and layers, when the pull
  // fetched every platform (stored, not unpacked): kept live so that the
  // whole index can be pushed again.
  std::vector<Digest> platform_blobs;
  // manifest + config + layer blob sizes.
  uint64_t size = 0;
  // From the config; absl::InfinitePast() when it has none.
  absl::Time created = absl::InfinitePast();
  std::string platform;  // "linux/amd64"
  // When this host recorded the image.
  absl::Time added = absl::InfinitePast();
  // "docker.io/library/alpine@sha256:..": the names it was pulled by.
  std::vector<std::string> repo_digests;
};

struct ImageSummary {
  ImageRecord record;
  std::vector<std::string> tags;  // full references, sorted
};

struct ResolvedImage {
  ImageRecord record;
  // The reference that matched, when the input was a name.
  absl::optional<Reference> reference;
};

// Names of the containers that use the image (empty if none): the runtime
// side answers this, so that images in use are not removed.
using ImageUsersFn =
    std::function<std::vector<std::string>(const ImageRecord&)>;

struct RemoveOptions {
  // Remove an image with several tags by ID, and untag images in use
  // (their record stays, dangling, until no container uses them).
  bool force = false;
};

struct RemoveReport {
  std::vector<std::string> untagged;  // references
  std::vector<Digest> deleted;        // manifest digests of removed records
};

struct PruneOptions {
  // Also remove tagged images no container uses (docker image prune -a).
  bool all = false;
  // Only images it accepts are candidates (docker's prune filters); empty:
  // every image. Called with the store locked: it must not call back in.
  std::function<bool(const ImageRecord&)> selected;
};

class ImageStore {
 public:
  // Uses (and creates) `root`/images.json and `root`/images.lock.
  static absl::StatusOr<ImageStore> Open(const std::string& root);

  // Records an image, or updates the record of that manifest digest
  // (repo_digests are merged).
  absl::Status Put(const ImageRecord& record);

  // Points `ref` (a name, with ":latest" implied; digests are refused) at a
  // recorded manifest. Returns the manifest it pointed at before, if any.
  absl::StatusOr<absl::optional<Digest>> Tag(const Reference& ref,
                                             const Digest& manifest_digest);

  // Removes one tag; kNotFound if it does not exist. The image stays.
  absl::StatusOr<Digest> Untag(const Reference& ref);

  // kNotFound if no record has this manifest digest.
  absl::StatusOr<ImageRecord> Get(const Digest& manifest_digest) const;

  // Finds an image as Docker does: a tag ("alpine", "alpine:3.19"), a
  // name@digest (manifest or index digest, pulled under that name), a full
  // manifest or image digest ("sha256:<hex>"), or a unique prefix of an
  // image ID ("3f57d9401f8d", "sha256:3f57"). kNotFound names the input;
  // an ambiguous prefix is kFailedPrecondition.
  absl::StatusOr<ResolvedImage> Resolve(absl::string_view name_or_id) const;

  // Every image with its tags, newest first.
  absl::StatusOr<std::vector<ImageSummary>> List() const;

  // docker rmi: a tag is untagged, and the image removed once it has no tags
  // and no users. An ID removes the image and all its tags (several tags
  // need force). Images in use are refused unless forced; forced, they are
  // untagged and kept. kFailedPrecondition names the image and its users.
  absl::StatusOr<RemoveReport> Remove(absl::string_view name_or_id,
                                      const RemoveOptions& options,
                                      const ImageUsersFn& users);

  // Removes images without tags (or, with all, any image) that no
  // container uses.
  absl::StatusOr<RemoveReport> Prune(const PruneOptions& options,
                                     const ImageUsersFn& users);

  // Blobs every recorded image needs (index, manifest, config, layers): the
  // mark phase of garbage collection. Records stay until removed, so images
  // used by containers stay live even when untagged.
  absl::StatusOr<absl::flat_hash_set<Digest>> LiveDigests() const;

  const std::string& state_path() const { return state_path_; }

 private:
  struct State;
  ImageStore(std::string state_path, std::string lock_path)
      : state_path_(std::move(state_path)), lock_path_(std::move(lock_path)) {}
  absl::StatusOr<State> Load() const;
  absl::Status Save(const State& state);
  // Runs `fn` on the state under the exclusive lock and saves it if `fn`
  // succeeds.
  absl::Status Mutate(const std::function<absl::Status(State&)>& fn);

  std::string state_path_;
  std::string lock_path_;
};

}  // namespace crate::registry

#endif  // CRATE_REGISTRY_IMAGE_IMAGE_STORE_H_
