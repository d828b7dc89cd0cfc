#include "registry/archive/load_plan.h"

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "registry/archive/docker_archive.h"
#include "registry/archive/oci_layout.h"
#include "registry/image/media_types.h"
#include "runtime/base/errno_status.h"
#include "runtime/base/status_macros.h"

namespace crate::registry {
namespace {

// manifest.json lists every image of the archive; many images, many lines.
constexpr size_t kMaxDockerManifestSize = 8 << 20;
constexpr size_t kMaxLayoutFileSize = 4096;

bool Present(const TarCatalog& catalog, absl::string_view name,
             absl::Status& error) {
  absl::StatusOr<std::string> r = catalog.Resolve(name);
  if (r.ok()) return true;
  if (!absl::IsNotFound(r.status()) && error.ok()) error = r.status();
  return false;
}

// A blob's digest when its entry's name is one: "<hex>.json" (a config in
// `docker save`'s format, named by the image ID) or "blobs/sha256/<hex>".
absl::optional<Digest> DigestFromName(absl::string_view entry) {
  absl::string_view hex = entry;
  if (absl::ConsumePrefix(&hex, "blobs/sha256/") ||
      absl::ConsumeSuffix(&hex, ".json")) {
    absl::StatusOr<Digest> d = Digest::Parse(absl::StrCat("sha256:", hex));
    if (d.ok()) return *d;
  }
  return absl::nullopt;
}

absl::Status CheckDigest(absl::string_view body, const Digest& want,
                         absl::string_view what) {
  ASSIGN_OR_RETURN(Digester digester, Digester::Create(want.algorithm()));
  digester.Update(body);
  const Digest got = digester.Finish();
  if (got != want) {
    return absl::DataLossError(absl::StrCat(what, ": content has digest ",
                                            got.ToString(), ", not ",
                                            want.ToString()));
  }
  return absl::OkStatus();
}

class Planner {
 public:
  Planner(const TarCatalog& catalog, const LoadPlanOptions& options)
      : catalog_(catalog),
        options_(options),
        archive_(absl::StrCat("archive ", catalog.archive())) {}

  absl::StatusOr<LoadPlan> Oci() {
    LoadPlan plan;
    plan.format = ArchiveFormat::kOciArchive;
    absl::StatusOr<absl::string_view> layout =
        catalog_.Json(kOciLayoutFile, kMaxLayoutFileSize);
    if (!layout.ok()) return Annotate(layout.status(), archive_);
    RETURN_IF_ERROR(
        CheckOciLayout(*layout, absl::StrCat(archive_, ": ", kOciLayoutFile)));
    absl::StatusOr<absl::string_view> body =
        catalog_.Json(kOciIndexFile, kMaxManifestSize);
    if (!body.ok()) return Annotate(body.status(), archive_);
    ASSIGN_OR_RETURN(Index index,
                     ParseIndex(*body, absl::StrCat(archive_, ": index.json")));
    for (size_t i = 0; i < index.manifests.size(); ++i) {
      const Descriptor& d = index.manifests[i];
      const std::string entry_ctx =
          absl::StrCat(archive_, ": index.json manifests[", i, "] (",
                       d.digest.ToString(), ")");
      ASSIGN_OR_RETURN(absl::optional<Reference> name,
                       OciEntryName(d, options_.repository, entry_ctx));
      const std::string what = absl::StrCat(
          archive_, ": image ",
          name ? name->String() : absl::StrCat("manifests[", i, "]"));
      Descriptor md = d;
      if (IsIndexMediaType(d.media_type)) {
        ASSIGN_OR_RETURN(std::string nested,
                         BlobJson(d, kMaxManifestSize, what, "index"));
        const std::string ictx =
            absl::StrCat(what, ": index ", d.digest.ToString());
        ASSIGN_OR_RETURN(Index sub, ParseIndex(nested, ictx));
        ASSIGN_OR_RETURN(md, SelectManifest(sub, options_.platform, ictx));
      } else if (!IsManifestMediaType(d.media_type)) {
        return absl::UnimplementedError(
            absl::StrCat(entry_ctx, ": media type ", d.media_type,
                         " is neither an image manifest nor an index"));
      }
      PlannedImage* image = nullptr;
      for (PlannedImage& p : plan.images) {
        if (p.manifest_digest == md.digest) image = &p;
      }
      if (image == nullptr) {
        ASSIGN_OR_RETURN(PlannedImage planned, OciImage(md, what));
        plan.images.push_back(std::move(planned));
        image = &plan.images.back();
      }
      if (name) AddTag(*image, *name);
    }
    if (plan.images.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(archive_, ": index.json lists no images"));
    }
    return plan;
  }

  absl::StatusOr<LoadPlan> Docker() {
    LoadPlan plan;
    plan.format = ArchiveFormat::kDockerArchive;
    absl::StatusOr<absl::string_view> body =
        catalog_.Json(kDockerManifestFile, kMaxDockerManifestSize);
    if (!body.ok()) return Annotate(body.status(), archive_);
    ASSIGN_OR_RETURN(
        std::vector<DockerArchiveImage> entries,
        ParseDockerArchiveManifest(
            *body, absl::StrCat(archive_, ": ", kDockerManifestFile)));
    for (size_t i = 0; i < entries.size(); ++i) {
      ASSIGN_OR_RETURN(PlannedImage image, DockerImage(entries[i], i));
      PlannedImage* same = nullptr;
      for (PlannedImage& p : plan.images) {
        if (p.config.digest == image.config.digest &&
            SameLayers(p.layers, image.layers)) {
          same = &p;
        }
      }
      if (same == nullptr) {
        plan.images.push_back(std::move(image));
      } else {
        for (const Reference& t : image.tags) AddTag(*same, t);
      }
    }
    return plan;
  }

 private:
  static void AddTag(PlannedImage& image, const Reference& tag) {
    for (const Reference& t : image.tags) {
      if (t == tag) return;
    }
    image.tags.push_back(tag);
  }

  static bool SameLayers(const std::vector<PlannedLayer>& a,
                         const std::vector<PlannedLayer>& b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
      if (a[i].entry != b[i].entry) return false;
    }
    return true;
  }

  // The blob `d` names, checked for size and digest before it is parsed.
  absl::StatusOr<std::string> BlobJson(const Descriptor& d, size_t max_size,
                                       const std::string& what,
                                       absl::string_view kind) {
    const std::string ctx =
        absl::StrCat(what, ": ", kind, " ", d.digest.ToString());
    const std::string path = OciBlobPath(d.digest);
    absl::StatusOr<std::string> resolved = catalog_.Resolve(path);
    if (!resolved.ok()) return Annotate(resolved.status(), ctx);
    const TarFile& file = catalog_.file(*resolved);
    if (file.size != static_cast<uint64_t>(d.size)) {
      return absl::DataLossError(
          absl::StrCat(ctx, ": the descriptor says ", d.size,
                       " bytes, the archive holds ", file.size));
    }
    absl::StatusOr<absl::string_view> body = catalog_.Json(path, max_size);
    if (!body.ok()) return Annotate(body.status(), ctx);
    RETURN_IF_ERROR(CheckDigest(*body, d.digest, ctx));
    return std::string(*body);
  }

  absl::StatusOr<PlannedImage> OciImage(const Descriptor& md,
                                        const std::string& what) {
    PlannedImage image;
    image.what = what;
    ASSIGN_OR_RETURN(image.manifest,
                     BlobJson(md, kMaxManifestSize, what, "manifest"));
    image.manifest_digest = md.digest;
    const std::string mctx =
        absl::StrCat(what, ": manifest ", md.digest.ToString());
    ASSIGN_OR_RETURN(
        ManifestDocument doc,
        ParseManifestDocument(image.manifest, md.media_type, mctx));
    if (!doc.manifest) {
      return absl::InvalidArgumentError(
          absl::StrCat(mctx, ": is an index where a manifest belongs"));
    }
    const Manifest& m = *doc.manifest;
    image.config = m.config;
    ASSIGN_OR_RETURN(image.config_bytes,
                     BlobJson(m.config, kMaxConfigSize, what, "config"));
    ASSIGN_OR_RETURN(
        image.image_config,
        ParseImageConfig(
            image.config_bytes,
            absl::StrCat(what, ": config ", m.config.digest.ToString())));
    RETURN_IF_ERROR(CheckManifestMatchesConfig(m, image.image_config, mctx));
    for (size_t i = 0; i < m.layers.size(); ++i) {
      const Descriptor& l = m.layers[i];
      const std::string lctx =
          absl::StrCat(what, ": layer ", i + 1, " (", l.digest.ToString(), ")");
      absl::StatusOr<std::string> entry =
          catalog_.Resolve(OciBlobPath(l.digest));
      if (!entry.ok()) return Annotate(entry.status(), lctx);
      PlannedLayer layer;
      layer.entry = *entry;
      layer.size = catalog_.file(*entry).size;
      if (layer.size != static_cast<uint64_t>(l.size)) {
        return absl::DataLossError(
            absl::StrCat(lctx, ": the manifest says ", l.size,
                         " bytes, the archive holds ", layer.size));
      }
      layer.media_type = l.media_type;
      layer.digest = l.digest;
      layer.diff_id = image.image_config.diff_ids[i];
      image.layers.push_back(std::move(layer));
    }
    return image;
  }

  absl::StatusOr<PlannedImage> DockerImage(const DockerArchiveImage& entry,
                                           size_t index) {
    PlannedImage image;
    const std::string at = absl::StrCat(kDockerManifestFile, "[", index, "]");
    for (size_t j = 0; j < entry.repo_tags.size(); ++j) {
      const std::string& t = entry.repo_tags[j];
      const std::string tctx =
          absl::StrCat(archive_, ": ", at, ".RepoTags[", j, "] \"", t, "\"");
      absl::StatusOr<Reference> ref = Reference::ParseDockerRef(t);
      if (!ref.ok()) return Annotate(ref.status(), tctx);
      if (ref->has_digest()) {
        return absl::InvalidArgumentError(
            absl::StrCat(tctx, ": a digest is not a tag"));
      }
      AddTag(image, *ref);
    }
    image.what =
        absl::StrCat(archive_, ": image ",
                     entry.repo_tags.empty() ? at : entry.repo_tags.front());
    const std::string cctx =
        absl::StrCat(image.what, ": config \"", entry.config, "\"");
    absl::StatusOr<absl::string_view> config =
        catalog_.Json(entry.config, kMaxConfigSize);
    if (!config.ok()) {
      return Annotate(config.status(), absl::StrCat(image.what, ": config"));
    }
    image.config_bytes = std::string(*config);
    const Digest digest = Digest::Sha256Of(image.config_bytes);
    // Docker names the config by its digest (the image ID): a name that
    // says otherwise is a lie about which image this is.
    absl::optional<Digest> named = DigestFromName(entry.config);
    if (named && *named != digest) {
      return absl::DataLossError(
          absl::StrCat(cctx, ": content has digest ", digest.ToString(),
                       ", not the ", named->ToString(), " its name says"));
    }
    image.config.media_type = std::string(kOciConfig);
    image.config.digest = digest;
    image.config.size = static_cast<int64_t>(image.config_bytes.size());
    ASSIGN_OR_RETURN(image.image_config,
                     ParseImageConfig(image.config_bytes, cctx));
    const std::vector<Digest>& diff_ids = image.image_config.diff_ids;
    if (entry.layers.size() != diff_ids.size()) {
      return absl::InvalidArgumentError(absl::StrCat(
          image.what, ": ", at, " lists ", entry.layers.size(),
          " layers, but the config's rootfs.diff_ids has ", diff_ids.size()));
    }
    for (size_t i = 0; i < entry.layers.size(); ++i) {
      const std::string lctx = absl::StrCat(image.what, ": layer ", i + 1,
                                            " \"", entry.layers[i], "\"");
      absl::StatusOr<std::string> resolved = catalog_.Resolve(entry.layers[i]);
      if (!resolved.ok()) {
        return Annotate(resolved.status(),
                        absl::StrCat(image.what, ": layer ", i + 1));
      }
      const TarFile& file = catalog_.file(*resolved);
      PlannedLayer layer;
      layer.entry = *resolved;
      layer.size = file.size;
      layer.diff_id = diff_ids[i];
      const absl::string_view head = file.head;
      if (absl::StartsWith(head, "\x1f\x8b")) {
        layer.media_type = std::string(kOciLayerGzip);
      } else if (absl::StartsWith(head, "\x28\xb5\x2f\xfd")) {
        layer.media_type = std::string(kOciLayerZstd);
      } else if (absl::StartsWith(head, "BZh") || absl::StartsWith(head,
                                                                   "\xfd"
                                                                   "7zXZ")) {
        return absl::UnimplementedError(
            absl::StrCat(lctx, ": compressed with ",
                         absl::StartsWith(head, "BZh") ? "bzip2" : "xz",
                         "; crate loads plain, gzip and zstd layers"));
      } else {
        // An uncompressed layer is its own DiffID: storing it under that
        // digest is what checks it.
        layer.media_type = std::string(kOciLayerTar);
        layer.digest = layer.diff_id;
      }
      image.layers.push_back(std::move(layer));
    }
    return image;
  }

  const TarCatalog& catalog_;
  const LoadPlanOptions& options_;
  const std::string archive_;
};

}  // namespace

absl::StatusOr<LoadPlan> PlanLoad(const TarCatalog& catalog,
                                  const LoadPlanOptions& options) {
  Planner planner(catalog, options);
  absl::Status error;
  const bool oci = Present(catalog, kOciLayoutFile, error);
  const bool docker = !oci && Present(catalog, kDockerManifestFile, error);
  if (!error.ok()) {
    return Annotate(error, absl::StrCat("archive ", catalog.archive()));
  }
  if (oci) return planner.Oci();
  if (docker) return planner.Docker();
  return absl::InvalidArgumentError(absl::StrCat(
      "archive ", catalog.archive(),
      ": neither an OCI image layout (no oci-layout) nor a docker save "
      "archive (no manifest.json)"));
}

absl::Status BuildManifest(PlannedImage& image) {
  std::vector<Descriptor> layers;
  for (size_t i = 0; i < image.layers.size(); ++i) {
    const PlannedLayer& l = image.layers[i];
    if (!l.digest) {
      return absl::FailedPreconditionError(
          absl::StrCat(image.what, ": layer ", i + 1, " is not stored yet"));
    }
    Descriptor d;
    d.media_type = l.media_type;
    d.digest = *l.digest;
    d.size = static_cast<int64_t>(l.size);
    layers.push_back(std::move(d));
  }
  image.manifest = OciManifestJson(image.config, layers);
  image.manifest_digest = Digest::Sha256Of(image.manifest);
  return absl::OkStatus();
}

}  // namespace crate::registry
