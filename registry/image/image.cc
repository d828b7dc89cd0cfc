#include "registry/image/image.h"

#include "absl/strings/str_cat.h"
#include "runtime/base/errno_status.h"
#include "runtime/base/status_macros.h"

namespace crate::registry {

absl::StatusOr<Image> LoadImage(const ContentStore& content,
                                const Digest& manifest_digest,
                                absl::string_view name) {
  std::string mctx =
      absl::StrCat("manifest ", manifest_digest.ToString(), " of ", name);
  ASSIGN_OR_RETURN(std::string body,
                   content.ReadBlob(manifest_digest, kMaxManifestSize));
  ASSIGN_OR_RETURN(ManifestDocument doc, ParseManifestDocument(body, "", mctx));
  if (!doc.manifest) {
    return absl::InvalidArgumentError(
        absl::StrCat(mctx, ": is an index (", doc.media_type,
                     "), not an image manifest; choose a platform first"));
  }
  Image image;
  image.manifest = *std::move(doc.manifest);
  const Descriptor& cd = image.manifest.config;
  std::string cctx =
      absl::StrCat("config ", cd.digest.ToString(), " of ", name);
  ASSIGN_OR_RETURN(std::string config_body,
                   content.ReadBlob(cd.digest, kMaxConfigSize));
  if (config_body.size() != static_cast<uint64_t>(cd.size)) {
    return absl::DataLossError(absl::StrCat(cctx, ": the manifest says ",
                                            cd.size, " bytes, the blob has ",
                                            config_body.size()));
  }
  ASSIGN_OR_RETURN(image.config, ParseImageConfig(config_body, cctx));
  RETURN_IF_ERROR(
      CheckManifestMatchesConfig(image.manifest, image.config, mctx));
  image.chain_ids = ChainIds(image.config.diff_ids);

  ImageRecord& r = image.record;
  r.manifest_digest = manifest_digest;
  r.manifest_media_type = image.manifest.media_type;
  r.config_digest = cd.digest;
  r.size = body.size() + config_body.size();
  for (size_t i = 0; i < image.manifest.layers.size(); ++i) {
    const Descriptor& l = image.manifest.layers[i];
    auto info = content.Info(l.digest);
    if (!info.ok()) {
      return Annotate(info.status(), absl::StrCat("layer ", i, " of ", name));
    }
    if (info->size != static_cast<uint64_t>(l.size)) {
      return absl::DataLossError(absl::StrCat(
          "layer ", i, " (", l.digest.ToString(), ") of ", name,
          ": the manifest says ", l.size, " bytes, the blob has ", info->size));
    }
    r.layers.push_back(l.digest);
    r.layer_sizes.push_back(info->size);
    r.size += info->size;
  }
  if (image.config.created) r.created = *image.config.created;
  r.platform = Normalize(image.config.platform).ToString();
  return image;
}

absl::StatusOr<Digest> ResolvePlatformManifest(const ContentStore& content,
                                               const Digest& top,
                                               const Platform& platform,
                                               absl::string_view name) {
  std::string ctx = absl::StrCat("manifest ", top.ToString(), " of ", name);
  ASSIGN_OR_RETURN(std::string body, content.ReadBlob(top, kMaxManifestSize));
  ASSIGN_OR_RETURN(ManifestDocument doc, ParseManifestDocument(body, "", ctx));
  if (doc.manifest) return top;
  ASSIGN_OR_RETURN(Descriptor d, SelectManifest(*doc.index, platform, ctx));
  return d.digest;
}

absl::StatusOr<GcReport> CollectGarbage(const ImageStore& images,
                                        ContentStore& content,
                                        const GcOptions& options) {
  return content.GarbageCollect([&] { return images.LiveDigests(); }, options);
}

}  // namespace crate::registry
