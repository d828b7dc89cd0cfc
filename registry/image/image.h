// An image as the rest of crate uses it: manifest, config and record read
// back from the content store and checked against each other; and garbage
// collection, which joins the image store (what is live) to the content
// store (what is there).
//
// After a pull has committed the manifest, config and layer blobs, the
// registry client records the image with:
//   ASSIGN_OR_RETURN(Image image, LoadImage(content, manifest_digest, name));
//   image.record.index_digest = index_digest;           // if pulled via one
//   image.record.repo_digests = {ref.WithDigest(top_digest).String()};
//   RETURN_IF_ERROR(images.Put(image.record));
//   RETURN_IF_ERROR(images.Tag(ref, manifest_digest).status());
#ifndef CRATE_REGISTRY_IMAGE_IMAGE_H_
#define CRATE_REGISTRY_IMAGE_IMAGE_H_

#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "registry/content/content_store.h"
#include "registry/image/config.h"
#include "registry/image/image_store.h"
#include "registry/image/manifest.h"
#include "registry/image/platform.h"
#include "registry/reference/digest.h"

namespace crate::registry {

struct Image {
  Manifest manifest;
  ImageConfig config;
  std::vector<Digest> chain_ids;  // one per layer; see ChainIds
  // Filled from the above; index_digest and repo_digests are the caller's.
  ImageRecord record;
};

// Reads the manifest `manifest_digest` and its config from `content` and
// checks them: the manifest is a manifest (not an index), the config blob
// has the size the manifest claims, the layer count matches the config's
// diff_ids, and every layer blob is present with its claimed size. `name`
// names the image in errors ("docker.io/library/alpine:3.19").
absl::StatusOr<Image> LoadImage(const ContentStore& content,
                                const Digest& manifest_digest,
                                absl::string_view name);

// Given a top-level manifest in `content` (what a tag points at in a
// registry), returns the digest of the platform manifest to use: itself if it
// is a manifest, the best match for `platform` if it is an index.
absl::StatusOr<Digest> ResolvePlatformManifest(const ContentStore& content,
                                               const Digest& top,
                                               const Platform& platform,
                                               absl::string_view name);

// Mark (every blob of every recorded image) and sweep (everything else, and
// stale ingests) under the content store's GC lock.
absl::StatusOr<GcReport> CollectGarbage(const ImageStore& images,
                                        ContentStore& content,
                                        const GcOptions& options = {});

}  // namespace crate::registry

#endif  // CRATE_REGISTRY_IMAGE_IMAGE_H_
