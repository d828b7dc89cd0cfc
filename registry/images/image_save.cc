// ImageService::Save: recorded images into an oci-archive or a
// docker-archive, written through a temporary file that is renamed into
// place once complete.
#include <errno.h>
#include <unistd.h>

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "registry/archive/decompress.h"
#include "registry/archive/docker_archive.h"
#include "registry/archive/oci_layout.h"
#include "registry/archive/tar_writer.h"
#include "registry/image/image.h"
#include "registry/image/media_types.h"
#include "registry/images/image_service.h"
#include "runtime/base/errno_status.h"
#include "runtime/base/status_macros.h"
#include "runtime/base/unique_fd.h"

namespace crate::registry {
namespace {

// One image to save, with the tags it goes under.
struct SaveItem {
  Image image;
  std::vector<Reference> tags;
};

TarWriter::Reader FdReader(int fd, const std::string& what) {
  return [fd, what](char* buf, size_t len) -> absl::StatusOr<size_t> {
    while (true) {
      ssize_t n = read(fd, buf, len);
      if (n >= 0) return static_cast<size_t>(n);
      if (errno != EINTR) return ErrnoStatus("read", what);
    }
  };
}

// Copies a stored blob into the archive as `entry`.
absl::Status AddBlob(const ContentStore& content, TarWriter& writer,
                     const Digest& digest, const std::string& entry) {
  ASSIGN_OR_RETURN(BlobInfo info, content.Info(digest));
  ASSIGN_OR_RETURN(UniqueFd fd, content.OpenBlob(digest));
  return writer.AddFileFrom(entry, info.size,
                            FdReader(fd.get(), content.BlobPath(digest)));
}

class OciArchiveWriter {
 public:
  OciArchiveWriter(const ContentStore& content, TarWriter& writer)
      : content_(content), writer_(writer) {}

  absl::Status Write(const std::vector<SaveItem>& items) {
    RETURN_IF_ERROR(writer_.AddFile(kOciLayoutFile, OciLayoutJson()));
    RETURN_IF_ERROR(writer_.AddDirectory("blobs"));
    RETURN_IF_ERROR(writer_.AddDirectory("blobs/sha256"));
    std::vector<Descriptor> index;
    for (const SaveItem& item : items) {
      const Image& image = item.image;
      RETURN_IF_ERROR(Blob(image.manifest.config.digest));
      for (const Descriptor& l : image.manifest.layers) {
        RETURN_IF_ERROR(Blob(l.digest));
      }
      Descriptor md;
      md.media_type = std::string(kOciManifest);
      if (image.record.manifest_media_type == kOciManifest) {
        md.digest = image.record.manifest_digest;
        ASSIGN_OR_RETURN(BlobInfo info, content_.Info(md.digest));
        md.size = static_cast<int64_t>(info.size);
        RETURN_IF_ERROR(Blob(md.digest));
      } else {
        absl::StatusOr<std::string> converted = ToOciManifest(image.manifest);
        if (!converted.ok()) {
          return Annotate(
              converted.status(),
              absl::StrCat("image ", image.record.manifest_digest.ToString()));
        }
        md.digest = Digest::Sha256Of(*converted);
        md.size = static_cast<int64_t>(converted->size());
        if (written_.insert(md.digest).second) {
          RETURN_IF_ERROR(writer_.AddFile(OciBlobPath(md.digest), *converted));
        }
      }
      if (item.tags.empty()) index.push_back(md);
      for (const Reference& tag : item.tags) {
        Descriptor named = md;
        named.annotations[std::string(kRefNameAnnotation)] = tag.String();
        named.annotations[std::string(kContainerdNameAnnotation)] =
            tag.String();
        index.push_back(std::move(named));
      }
    }
    return writer_.AddFile(kOciIndexFile, OciIndexJson(index));
  }

 private:
  absl::Status Blob(const Digest& digest) {
    if (!written_.insert(digest).second) return absl::OkStatus();
    return AddBlob(content_, writer_, digest, OciBlobPath(digest));
  }

  const ContentStore& content_;
  TarWriter& writer_;
  absl::flat_hash_set<Digest> written_;
};

class DockerArchiveWriter {
 public:
  DockerArchiveWriter(const ContentStore& content, TarWriter& writer)
      : content_(content), writer_(writer) {}

  absl::Status Write(const std::vector<SaveItem>& items) {
    std::vector<DockerArchiveImage> manifest;
    for (const SaveItem& item : items) {
      const Image& image = item.image;
      DockerArchiveImage entry;
      const Digest& config = image.manifest.config.digest;
      entry.config = absl::StrCat(config.hex(), ".json");
      if (written_.insert(entry.config).second) {
        RETURN_IF_ERROR(AddBlob(content_, writer_, config, entry.config));
      }
      for (size_t i = 0; i < image.manifest.layers.size(); ++i) {
        const Digest& diff_id = image.config.diff_ids[i];
        const std::string name = absl::StrCat(diff_id.hex(), ".tar");
        if (written_.insert(name).second) {
          RETURN_IF_ERROR(
              Layer(image.manifest.layers[i], diff_id, name,
                    absl::StrCat("layer ", i + 1, " (",
                                 image.manifest.layers[i].digest.ToString(),
                                 ") of image ", config.ToString())));
        }
        entry.layers.push_back(name);
      }
      // Whole names, as skopeo writes them: docker loads them as it loads
      // its own short ones, and podman would put a short one in localhost/.
      for (const Reference& tag : item.tags) {
        entry.repo_tags.push_back(tag.String());
      }
      manifest.push_back(std::move(entry));
    }
    return writer_.AddFile(kDockerManifestFile,
                           DockerArchiveManifestJson(manifest));
  }

 private:
  // Docker's layers are the uncompressed tars: decompressed once to learn
  // their size (a tar header comes before its data) and check the DiffID,
  // then again into the archive.
  absl::Status Layer(const Descriptor& blob, const Digest& diff_id,
                     const std::string& name, const std::string& what) {
    LayerCompression compression = LayerCompression::kGzip;
    LayerCompressionOf(blob.media_type, &compression);
    if (compression == LayerCompression::kNone) {
      if (blob.digest != diff_id) {
        return absl::DataLossError(absl::StrCat(
            what, ": an uncompressed layer whose digest is not its DiffID ",
            diff_id.ToString()));
      }
      return AddBlob(content_, writer_, blob.digest, name);
    }
    ASSIGN_OR_RETURN(UniqueFd measure_fd, content_.OpenBlob(blob.digest));
    ASSIGN_OR_RETURN(UncompressedSize size,
                     MeasureUncompressed(std::move(measure_fd), what,
                                         kDefaultMaxLayerBytes));
    if (size.digest != diff_id) {
      return absl::DataLossError(absl::StrCat(
          what, ": uncompressed it hashes to ", size.digest.ToString(),
          ", but the image config says ", diff_id.ToString()));
    }
    ASSIGN_OR_RETURN(UniqueFd fd, content_.OpenBlob(blob.digest));
    ASSIGN_OR_RETURN(std::unique_ptr<LayerDecompressor> d,
                     LayerDecompressor::Open(std::move(fd), what, size.size));
    return writer_.AddFileFrom(
        name, size.size, [&d](char* buf, size_t len) -> absl::StatusOr<size_t> {
          return d->Read(buf, len);
        });
  }

  const ContentStore& content_;
  TarWriter& writer_;
  absl::flat_hash_set<std::string> written_;
};

}  // namespace

absl::Status ImageService::Save(const std::vector<std::string>& names,
                                ArchiveFormat format,
                                const std::string& output_path) {
  const std::string what =
      absl::StrCat("save to ", ArchiveFormatName(format), " ", output_path);
  if (names.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": no images"));
  }
  // Keeps GarbageCollect from removing a blob while it is copied.
  ASSIGN_OR_RETURN(Lease lease, content_.AcquireLease());
  std::vector<SaveItem> items;
  for (const std::string& name : names) {
    absl::StatusOr<ResolvedImage> resolved = images_.Resolve(name);
    if (!resolved.ok()) return Annotate(resolved.status(), what);
    SaveItem* item = nullptr;
    for (SaveItem& i : items) {
      if (i.image.record.manifest_digest == resolved->record.manifest_digest) {
        item = &i;
      }
    }
    if (item == nullptr) {
      absl::StatusOr<Image> image =
          LoadImage(content_, resolved->record.manifest_digest, name);
      if (!image.ok()) return Annotate(image.status(), what);
      items.push_back(SaveItem{*std::move(image), {}});
      item = &items.back();
    }
    const absl::optional<Reference>& ref = resolved->reference;
    if (!ref || !ref->has_tag()) continue;  // by ID or digest: no name
    const Reference tag = ref->NameOnly().WithTag(ref->tag());
    if (std::find(item->tags.begin(), item->tags.end(), tag) ==
        item->tags.end()) {
      item->tags.push_back(tag);
    }
  }
  absl::StatusOr<std::unique_ptr<TarWriter>> writer =
      TarWriter::Create(output_path);
  if (!writer.ok()) return Annotate(writer.status(), what);
  absl::Status written =
      format == ArchiveFormat::kOciArchive
          ? OciArchiveWriter(content_, **writer).Write(items)
          : DockerArchiveWriter(content_, **writer).Write(items);
  if (!written.ok()) return Annotate(written, what);
  return Annotate((*writer)->Commit(), what);
}

}  // namespace crate::registry
