// The image library's front door: what the service (and `crate-pull`) calls
// to pull, push, list, tag, remove and collect images, and to give a
// container its root file system. It joins the pieces below it:
//
//   <root>/content/    ContentStore: every blob, verified, by digest
//   <root>/images/     ImageStore: image records and tags
//   <root>/snapshots/  SnapshotStore: unpacked layers by chain ID, and the
//                      upper/work/rootfs directories of containers
//   <root>/diffids/    <blob hex> -> the DiffID the blob was verified to
//                      have, so that a manifest naming a known blob for a
//                      layer whose snapshot exists cannot lie about it
//
// A pull (or a load of an archive) holds a content-store lease from its
// first blob until the image and its tag are recorded, so a concurrent
// GarbageCollect cannot take blobs or snapshots from under it. A pull or
// load that fails (a lying manifest, a layer that escapes its root, a wrong
// DiffID) removes the blobs and snapshots it added, so the stores are left
// as they were.
//
// Safe to use from several threads and processes at once, like the stores.
#ifndef CRATE_REGISTRY_IMAGES_IMAGE_SERVICE_H_
#define CRATE_REGISTRY_IMAGES_IMAGE_SERVICE_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/optional.h"
#include "registry/archive/format.h"
#include "registry/archive/tar_catalog.h"
#include "registry/content/content_store.h"
#include "registry/distribution/client.h"
#include "registry/distribution/registries_conf.h"
#include "registry/image/image.h"
#include "registry/image/image_store.h"
#include "registry/image/manifest.h"
#include "registry/image/platform.h"
#include "registry/images/store_undo.h"
#include "registry/reference/reference.h"
#include "registry/unpack/layer.h"
#include "registry/unpack/snapshot.h"

namespace crate::registry {

// How a registry is reached. Empty fields keep RegistryConfig's defaults.
struct RegistryAccess {
  // Docker-style auth files (first match wins); empty: crate's default
  // search (DockerConfigPath()).
  std::vector<std::string> auth_files;
  // docker's certs.d layout: <certs_dir>/<host:port>/{*.crt,client.*}.
  std::string certs_dir;
  // Hosts that may be reached over plain HTTP (besides loopback).
  std::vector<std::string> insecure_registries;
  // Registry host -> mirror hosts tried in order before it, for pulls.
  std::map<std::string, std::vector<std::string>> mirrors;
};

// The access a registries file (registries_conf.h) describes; `path` empty:
// DefaultRegistriesConfPath(). A missing file gives the defaults.
absl::StatusOr<RegistryAccess> LoadRegistryAccess(const std::string& path = "");
// The access a registries configuration already read describes.
RegistryAccess RegistryAccessFrom(RegistriesConf conf);

struct PullProgress {
  enum class Stage {
    kResolved,    // manifest chosen; layers_total known
    kLayerBytes,  // bytes of the layer `detail` arrived (throttled)
    kLayerDone,   // one more layer is stored and unpacked
    kRecorded,    // image and tag recorded
  };
  Stage stage = Stage::kResolved;
  std::string reference;  // as given, normalised
  size_t layers_done = 0;
  size_t layers_total = 0;
  std::string detail;  // the layer digest, or the manifest digest
  // kLayerBytes and kLayerDone: the layer's blob bytes stored so far (a
  // resumed download starts at what an earlier pull left) and its size.
  // Per layer they only grow, and the last report has done == total.
  uint64_t bytes_done = 0;
  uint64_t bytes_total = 0;
};

struct PullOptions {
  // The platform to choose from an index; the host's by default.
  absl::optional<Platform> platform;
  // Called from the pulling threads (serialised) as the pull advances.
  std::function<void(const PullProgress&)> progress;
  // kLayerBytes reports of one layer come at most this often (its last
  // one, done == total, always comes).
  absl::Duration progress_interval = absl::Milliseconds(100);
  RegistryAccess access;
  // From an index, also store every other manifest with its config and
  // layers (verified, not unpacked), like `skopeo copy --all`, so that Push
  // can send the whole index on.
  bool all_platforms = false;
  // Decompression bounds (registry/unpack/layer.h): what one layer, and what
  // the layers this pull unpacks together, may decompress to. A pull past
  // either is refused (kResourceExhausted) and undone.
  uint64_t max_layer_bytes = kDefaultMaxLayerBytes;
  uint64_t max_image_bytes = kDefaultMaxImageBytes;
};

struct PullResult {
  Reference reference;  // normalised ("docker.io/library/alpine:latest")
  Digest top_digest;    // what the tag (or digest) points at: index or manifest
  ImageRecord record;   // the platform manifest's record
  std::vector<Digest> chain_ids;
  RegistryClient::Stats stats;  // of this pull's registry client
};

struct PushOptions {
  RegistryAccess access;
  // Push only the local image's own platform manifest even when the store
  // holds the whole index it came from.
  bool platform_only = false;
};

struct PushedLayer {
  Digest digest;  // the layer's blob
  uint64_t size = 0;
  bool uploaded = false;  // false: the registry had it already
};

struct PushResult {
  Reference destination;
  // What the destination now points at: the index when it was pushed, else
  // the platform manifest.
  Digest manifest_digest;
  uint64_t manifest_size = 0;  // bytes of that document
  // The layers of the pushed manifests, bottom first, each blob once.
  std::vector<PushedLayer> layers;
  bool pushed_index = false;
  size_t manifests_pushed = 0;  // platform manifests
  uint64_t blobs_uploaded = 0;  // the others were there already
  // Why an image that came from an index was pushed as one platform only.
  std::string note;
};

struct LoadOptions {
  // The repository for the images an OCI archive names only by a tag (an
  // org.opencontainers.image.ref.name of "latest", as `skopeo copy ...
  // oci-archive:x.tar:latest` writes): "busybox" loads such an image as
  // docker.io/library/busybox:latest. Without it such an archive is
  // refused, naming the manifest. A tag or digest of its own is ignored.
  std::string name;
  // The platform chosen from an index in the archive; the host's by
  // default.
  absl::optional<Platform> platform;
  // Decompression bounds, as for a pull: a load past either is refused
  // (kResourceExhausted) and undone.
  uint64_t max_layer_bytes = kDefaultMaxLayerBytes;
  uint64_t max_image_bytes = kDefaultMaxImageBytes;
  // What the archive's files may add up to; for a compressed archive, the
  // tar inside it.
  uint64_t max_archive_bytes = kDefaultMaxArchiveBytes;
};

struct LoadedImage {
  // The names it was recorded under, normalised
  // ("docker.io/library/busybox:latest"); empty: known by its ID only.
  std::vector<Reference> tags;
  ImageRecord record;  // record.config_digest is the image ID
  std::vector<Digest> chain_ids;
};

struct LoadResult {
  ArchiveFormat format = ArchiveFormat::kOciArchive;
  std::vector<LoadedImage> images;  // in the archive's order
};

// A container's root file system: an overlay to mount, or (without
// overlayfs) a plain copy of the layers that needs no mount.
struct RootfsSpec {
  bool overlay = false;
  OverlayMount mount;  // when overlay: lower dirs top first, upper, work
  std::string path;    // the root file system (the overlay's target)
};

struct RootfsOptions {
  // Copy the layers instead of an overlay even where overlayfs exists.
  bool force_copy = false;
};

struct ServiceGcReport {
  GcReport content;
  std::vector<std::string> removed_snapshots;  // chain IDs
};

struct ServiceVerifyReport {
  VerifyReport content;
  // "image <name>: <reason>": records whose blobs are missing or broken.
  std::vector<std::string> image_problems;
};

// Decompression bounds for the layers one pull, load or rootfs unpacks.
struct UnpackBounds {
  uint64_t max_layer_bytes = kDefaultMaxLayerBytes;
  uint64_t max_image_bytes = kDefaultMaxImageBytes;
};

class ImageService {
 public:
  // Opens (and creates) the stores under `root`. `access` is the default
  // for every pull and push; per-call options add to it.
  static absl::StatusOr<std::unique_ptr<ImageService>> Open(
      const std::string& root, RegistryAccess access = {});

  // Pulls `reference` (docker's naming: "alpine", "host:5000/x:1",
  // "x@sha256:..") and records it; a tag is pointed at the image, a digest
  // reference is fetched by digest and tagged nothing.
  absl::StatusOr<PullResult> Pull(absl::string_view reference,
                                  const PullOptions& options = {});

  // Pushes the local image `name` (tag, name@digest or ID) to
  // `destination`: config and layers (skipped when the registry has them,
  // mounted from the repository it was pulled from when that is on the same
  // registry), then the manifest. An image pulled from an index with
  // all_platforms goes as the whole index (every platform manifest by
  // digest, then the index under the destination's tag); when some
  // platform is missing locally, only its own manifest goes and
  // PushResult::note says why.
  absl::StatusOr<PushResult> Push(absl::string_view name,
                                  absl::string_view destination,
                                  const PushOptions& options = {});

  // Loads the images of an image archive: an OCI layout in a tar (what
  // `skopeo copy ... oci-archive:`, `podman save --format oci-archive` and
  // Save write) or `docker save`'s format (also skopeo's docker-archive),
  // told apart by their content, plain or compressed (gzip, bzip2, xz,
  // zstd). Images are named as the archive names them (RepoTags; the OCI
  // ref.name annotation, or containerd's image name beside it), normalised
  // ("busybox:latest" -> docker.io/library/busybox:latest); a name already
  // here moves to the loaded image. An index in an OCI archive is resolved
  // to `options.platform`. A docker-archive image gets an OCI manifest made
  // from its config and layers (stored as they are in the archive, their
  // digests computed), the same each time, so its ID is Docker's.
  //
  // The whole archive is read and checked before anything is stored: tar
  // entries with absolute names, "..", links that leave the archive, a
  // document whose digest lies, a missing blob, manifest.json layers that
  // disagree with the config's rootfs.diff_ids. Every blob then goes
  // through the content store's verified ingest and every layer is unpacked
  // (path safety and the decompression bounds of registry/unpack) before
  // anything is recorded. A refused archive, one image of it or a layer of
  // one, leaves the stores as they were; errors name the archive, the
  // image, the entry or blob, and the reason.
  absl::StatusOr<LoadResult> Load(const std::string& archive_path,
                                  const LoadOptions& options = {});

  // Writes the images `names` (tags, name@digest or IDs) to `output_path`
  // as one archive that skopeo (`oci-archive:` / `docker-archive:`), podman
  // and docker read, and Load reads back. A name given by tag carries that
  // tag into the archive (OCI: one index.json entry per tag, with
  // org.opencontainers.image.ref.name and io.containerd.image.name set to
  // the whole reference; docker: RepoTags), an image given by ID goes
  // without a name, as `docker save` does. OCI archives hold OCI manifests:
  // a Docker schema 2 image is converted as skopeo converts it (a new
  // manifest digest, the same config and layers). docker-archive layers are
  // uncompressed tars named by their DiffID, as Docker writes them, checked
  // against the config as they are decompressed. The archive is written to
  // a temporary file beside `output_path`, synced and renamed over it: a
  // failure leaves whatever was there.
  absl::Status Save(const std::vector<std::string>& names, ArchiveFormat format,
                    const std::string& output_path);

  // Checks `username`/`password` against `registry` ("host[:port]",
  // "docker.io", or a URL as docker writes them) and, when it accepts them,
  // stores them in the docker-style auth file `auth_file` (mode 0600,
  // replaced atomically; empty: AuthFile()). Refused credentials are
  // Unauthenticated and nothing is stored. Later pulls and pushes use them.
  absl::Status Login(absl::string_view registry, const std::string& username,
                     const std::string& password,
                     const std::string& auth_file = "",
                     const RegistryAccess& access = {});
  // Removes the credentials of `registry` from `auth_file` (empty:
  // AuthFile()); NotFound when there were none.
  absl::Status Logout(absl::string_view registry,
                      const std::string& auth_file = "");
  // Where Login stores credentials by default: the first of the access's
  // auth files, else docker's (DockerConfigPath()).
  std::string AuthFile() const;

  absl::StatusOr<std::vector<ImageSummary>> List() const;
  absl::StatusOr<ResolvedImage> Resolve(absl::string_view name_or_id) const;
  // Reads back and checks the image `name_or_id` (manifest, config, layers).
  absl::StatusOr<Image> Inspect(absl::string_view name_or_id) const;
  // Points `target` (a name) at the image `source` refers to.
  absl::Status Tag(absl::string_view source, absl::string_view target);
  absl::StatusOr<RemoveReport> Remove(absl::string_view name_or_id,
                                      const RemoveOptions& options = {},
                                      const ImageUsersFn& users = {});
  absl::StatusOr<RemoveReport> Prune(const PruneOptions& options = {},
                                     const ImageUsersFn& users = {});
  // Removes the blobs and the snapshots no recorded image needs, and stale
  // ingests; waits for running pulls.
  absl::StatusOr<ServiceGcReport> GarbageCollect(const GcOptions& options = {});
  // Rehashes every blob and checks every record against the store.
  absl::StatusOr<ServiceVerifyReport> Verify(bool remove_bad = false);

  // Gives container `container_id` a root file system made of the image's
  // layers (unpacking again, from the stored blobs, any snapshot that is
  // missing). With an overlay, the caller mounts `mount` (SyscallMounter)
  // and unmounts it before ReleaseRootfs.
  absl::StatusOr<RootfsSpec> PrepareRootfs(absl::string_view container_id,
                                           absl::string_view image,
                                           const RootfsOptions& options = {});
  absl::Status ReleaseRootfs(absl::string_view container_id);

  ContentStore& content() { return content_; }
  ImageStore& images() { return images_; }
  SnapshotStore& snapshots() { return *snapshots_; }

 private:
  ImageService(std::string root, RegistryAccess access, ContentStore content,
               ImageStore images, std::unique_ptr<SnapshotStore> snapshots)
      : root_(std::move(root)),
        access_(std::move(access)),
        content_(std::move(content)),
        images_(std::move(images)),
        snapshots_(std::move(snapshots)) {}

  absl::StatusOr<std::unique_ptr<RegistryClient>> NewClient(
      const RegistryAccess& extra) const;
  // Unpacks, from the stored blobs, the image's layers that have no
  // snapshot, checking their DiffIDs; `undo` hears of each snapshot made.
  absl::Status EnsureSnapshots(const Image& image, absl::string_view name,
                               const UnpackBounds& bounds = {},
                               StoreUndo* undo = nullptr);
  // For layers whose snapshot exists (unpacked for another image), that
  // the blob `image` names has the DiffID its config says.
  absl::Status CheckSharedLayers(const Image& image, absl::string_view name);
  // What a refused pull or load spares: recorded images' blobs and chains.
  StoreUndo::LiveFn LiveSets() const;
  // The DiffID a layer blob was verified to have, when crate unpacked it.
  absl::optional<std::string> KnownDiffId(const Digest& blob) const;
  // Stores the manifests of `index` other than `chosen`, with their configs
  // and layers; returns every blob they name. `added` is told of each blob
  // that was not stored before, for the pull's undo.
  absl::StatusOr<std::vector<Digest>> StoreOtherPlatforms(
      RegistryClient& client, const std::string& host, const std::string& repo,
      const std::string& name, const Index& index, const Digest& chosen,
      const std::function<void(const Digest&)>& added);
  // The stored index `digest` (bytes and parsed), when every manifest and
  // blob it names is stored too.
  absl::StatusOr<std::pair<std::string, Index>> LocalIndex(
      const Digest& digest, absl::string_view name) const;
  absl::Status RecordDiffId(const Digest& blob, const std::string& diff_id);
  // Chain IDs of the layers of every recorded image: the live snapshots.
  absl::StatusOr<absl::flat_hash_set<std::string>> LiveChainIds() const;
  // Uncompresses `blob` into a scratch directory to learn its DiffID.
  absl::StatusOr<std::string> ComputeDiffId(const Digest& blob,
                                            const std::string& what);

  std::string root_;
  RegistryAccess access_;
  ContentStore content_;
  ImageStore images_;
  std::unique_ptr<SnapshotStore> snapshots_;
};

}  // namespace crate::registry

#endif  // CRATE_REGISTRY_IMAGES_IMAGE_SERVICE_H_
