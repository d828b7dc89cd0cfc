// ImageService::Load: image archives into the stores. The archive is read
// twice: once to catalogue it and plan the load (registry/archive), once to
// stream its layer blobs into the content store.
#include <fcntl.h>

#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "registry/archive/load_plan.h"
#include "registry/archive/tar_catalog.h"
#include "registry/image/image.h"
#include "registry/images/image_service.h"
#include "registry/images/store_undo.h"
#include "runtime/base/errno_status.h"
#include "runtime/base/status_macros.h"
#include "runtime/base/unique_fd.h"

namespace crate::registry {
namespace {

constexpr size_t kCopyBuffer = 1 << 20;

// A layer of the plan and the image it belongs to.
struct LayerRef {
  PlannedImage* image;
  size_t index;
  PlannedLayer& layer() const { return image->layers[index]; }
  std::string Describe() const {
    return absl::StrCat(image->what, ": layer ", index + 1, " (entry \"",
                        layer().entry, "\")");
  }
};

// The first layer's DiffID does not match, or (OCI) the blob is not what
// its name says: said in the archive's terms before the store's check
// would say it in its own.
std::string Mismatch(const LayerRef& ref, ArchiveFormat format,
                     const Digest& got) {
  const PlannedLayer& l = ref.layer();
  if (format == ArchiveFormat::kDockerArchive) {
    return absl::StrCat(ref.Describe(), ": uncompressed it hashes to ",
                        got.ToString(), ", but the config's rootfs.diff_ids[",
                        ref.index, "] says ", l.diff_id.ToString());
  }
  return absl::StrCat(ref.Describe(), ": content has digest ", got.ToString(),
                      ", not the ", l.digest->ToString(),
                      " the manifest names");
}

// Streams one archive entry into the content store through a verified
// ingest. Returns the blob's digest.
absl::StatusOr<Digest> IngestEntry(ContentStore& content, StoreUndo& undo,
                                   const LayerRef& ref, ArchiveFormat format,
                                   const TarFile& file,
                                   const TarCatalog::EntryReader& read) {
  const absl::optional<Digest>& expected = ref.layer().digest;
  IngestOptions options;
  options.expected_digest = expected;
  options.expected_size = static_cast<int64_t>(file.size);
  options.description = ref.Describe();
  absl::StatusOr<std::unique_ptr<Ingest>> started =
      content.StartIngest(options);
  if (absl::IsAlreadyExists(started.status())) return *expected;
  RETURN_IF_ERROR(started.status());
  Ingest& ingest = **started;
  // What an interrupted pull of the same blob left: the archive has all of
  // it, so start again rather than trust the start.
  if (ingest.offset() != 0) RETURN_IF_ERROR(ingest.Truncate());
  // Hashed here too, so that a lie is told in the archive's terms and an
  // anonymous blob already stored is not taken for a new one.
  Digester digester = Digester::Sha256();
  std::vector<char> buf(kCopyBuffer);
  while (true) {
    absl::StatusOr<size_t> n = read(buf.data(), buf.size());
    if (!n.ok()) {
      ingest.Abort();
      return Annotate(n.status(), ref.image->what);
    }
    if (*n == 0) break;
    absl::Status written = ingest.Write(absl::string_view(buf.data(), *n));
    if (!written.ok()) {
      ingest.Abort();
      return written;
    }
    digester.Update(buf.data(), *n);
  }
  const Digest got = digester.Finish();
  if (expected && got != *expected) {
    ingest.Abort();
    return absl::DataLossError(Mismatch(ref, format, got));
  }
  const bool existed = !expected && content.Has(got);
  ASSIGN_OR_RETURN(Digest stored, ingest.Commit());
  if (!existed) undo.NoteBlob(stored);
  return stored;
}

// Stores the plan's layer blobs that are not stored yet, in one pass over
// the archive, and fills in the digests learnt on the way.
absl::Status StoreLayers(int fd, const TarCatalog& catalog, LoadPlan& plan,
                         ContentStore& content, StoreUndo& undo) {
  absl::flat_hash_map<std::string, std::vector<LayerRef>> by_entry;
  absl::flat_hash_set<std::string> wanted;
  for (PlannedImage& image : plan.images) {
    for (size_t i = 0; i < image.layers.size(); ++i) {
      const PlannedLayer& l = image.layers[i];
      if (l.digest && content.Has(*l.digest)) continue;
      by_entry[l.entry].push_back(LayerRef{&image, i});
      wanted.insert(l.entry);
    }
  }
  return catalog.Stream(
      fd, wanted,
      [&](const std::string& name, const TarFile& file,
          const TarCatalog::EntryReader& read) -> absl::Status {
        const std::vector<LayerRef>& refs = by_entry.at(name);
        ASSIGN_OR_RETURN(Digest stored, IngestEntry(content, undo, refs[0],
                                                    plan.format, file, read));
        // One entry may serve several images, whose configs must agree on
        // it as well.
        for (const LayerRef& ref : refs) {
          PlannedLayer& l = ref.layer();
          if (l.digest && *l.digest != stored) {
            return absl::DataLossError(Mismatch(ref, plan.format, stored));
          }
          l.digest = stored;
        }
        return absl::OkStatus();
      });
}

std::string ImageLabel(const PlannedImage& image) {
  return image.tags.empty() ? image.manifest_digest->ToString()
                            : image.tags.front().String();
}

}  // namespace

absl::Status ImageService::CheckSharedLayers(const Image& image,
                                             absl::string_view name) {
  for (size_t i = 0; i < image.chain_ids.size(); ++i) {
    const Digest& blob = image.manifest.layers[i].digest;
    const Digest& diff_id = image.config.diff_ids[i];
    // An uncompressed layer is its own DiffID; the store checked it.
    if (blob == diff_id || !snapshots_->Exists(image.chain_ids[i].ToString())) {
      continue;
    }
    const std::string what = absl::StrCat("layer ", i + 1, " (",
                                          blob.ToString(), ") of image ", name);
    absl::optional<std::string> known = KnownDiffId(blob);
    std::string got;
    if (known) {
      got = *known;
    } else {
      ASSIGN_OR_RETURN(got, ComputeDiffId(blob, what));
    }
    if (got != diff_id.ToString()) {
      return absl::DataLossError(
          absl::StrCat(what, ": uncompressed it hashes to ", got,
                       ", but the image config says ", diff_id.ToString()));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<LoadResult> ImageService::Load(const std::string& archive_path,
                                              const LoadOptions& options) {
  UniqueFd fd(open(archive_path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return ErrnoStatus("open archive", archive_path);
  TarScanOptions scan;
  scan.max_total_bytes = options.max_archive_bytes;
  ASSIGN_OR_RETURN(TarCatalog catalog,
                   TarCatalog::Scan(fd.get(), archive_path, scan));
  LoadPlanOptions plan_options;
  plan_options.platform =
      options.platform ? Normalize(*options.platform) : HostPlatform();
  if (!options.name.empty()) {
    absl::StatusOr<Reference> repo = Reference::Parse(options.name);
    if (!repo.ok()) {
      return Annotate(repo.status(),
                      absl::StrCat("load of ", archive_path, ": name"));
    }
    plan_options.repository = repo->NameOnly();
  }
  ASSIGN_OR_RETURN(LoadPlan plan, PlanLoad(catalog, plan_options));

  // Everything is checked but the layer blobs and what they unpack to;
  // from here on, what is stored is undone unless the load completes.
  ASSIGN_OR_RETURN(Lease lease, content_.AcquireLease());
  StoreUndo undo(content_, *snapshots_, LiveSets());
  for (const PlannedImage& image : plan.images) {
    RETURN_IF_ERROR(WriteNewBlob(content_, undo, image.config_bytes,
                                 image.config.digest,
                                 absl::StrCat("config of ", image.what)));
    if (image.manifest_digest) {
      RETURN_IF_ERROR(WriteNewBlob(content_, undo, image.manifest,
                                   *image.manifest_digest,
                                   absl::StrCat("manifest of ", image.what)));
    }
  }
  RETURN_IF_ERROR(StoreLayers(fd.get(), catalog, plan, content_, undo));

  const UnpackBounds bounds{options.max_layer_bytes, options.max_image_bytes};
  std::vector<Image> loaded;
  for (PlannedImage& planned : plan.images) {
    if (!planned.manifest_digest) {
      RETURN_IF_ERROR(BuildManifest(planned));
      RETURN_IF_ERROR(WriteNewBlob(content_, undo, planned.manifest,
                                   *planned.manifest_digest,
                                   absl::StrCat("manifest of ", planned.what)));
    }
    const std::string label = ImageLabel(planned);
    const std::string ctx = absl::StrCat("archive ", archive_path);
    absl::StatusOr<Image> read =
        LoadImage(content_, *planned.manifest_digest, label);
    if (!read.ok()) return Annotate(read.status(), ctx);
    Image& image = *read;
    RETURN_IF_ERROR(Annotate(CheckSharedLayers(image, label), ctx));
    RETURN_IF_ERROR(
        Annotate(EnsureSnapshots(image, label, bounds, &undo), ctx));
    loaded.push_back(std::move(image));
  }
  for (const Image& image : loaded) {
    for (size_t i = 0; i < image.chain_ids.size(); ++i) {
      RETURN_IF_ERROR(RecordDiffId(image.manifest.layers[i].digest,
                                   image.config.diff_ids[i].ToString()));
    }
  }

  LoadResult result;
  result.format = plan.format;
  for (size_t i = 0; i < loaded.size(); ++i) {
    RETURN_IF_ERROR(images_.Put(loaded[i].record));
    for (const Reference& tag : plan.images[i].tags) {
      RETURN_IF_ERROR(
          images_.Tag(tag, loaded[i].record.manifest_digest).status());
    }
  }
  undo.Commit();
  for (size_t i = 0; i < loaded.size(); ++i) {
    LoadedImage out;
    out.tags = plan.images[i].tags;
    ASSIGN_OR_RETURN(out.record, images_.Get(loaded[i].record.manifest_digest));
    out.chain_ids = loaded[i].chain_ids;
    result.images.push_back(std::move(out));
  }
  return result;
}

}  // namespace crate::registry
