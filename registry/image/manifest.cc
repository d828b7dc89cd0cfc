#include "registry/image/manifest.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "registry/image/json_util.h"
#include "runtime/base/errno_status.h"
#include "runtime/base/status_macros.h"

namespace crate::registry {
namespace {

using json_internal::Json;

absl::Status WithContext(const absl::Status& s, absl::string_view context) {
  return context.empty() ? s : Annotate(s, context);
}

absl::Status Schema1Error() {
  return absl::UnimplementedError(
      "schema 1 manifests are not supported: the image was pushed with a "
      "Docker older than 1.10 (2016); push it again with a current Docker, "
      "or convert it with skopeo copy");
}

absl::StatusOr<Platform> ParsePlatformObject(const Json& obj,
                                             const std::string& path) {
  if (!obj.is_object()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": expected an object"));
  }
  Platform p;
  RETURN_IF_ERROR(json_internal::GetString(obj, "os", path, &p.os));
  RETURN_IF_ERROR(
      json_internal::GetString(obj, "architecture", path, &p.architecture));
  RETURN_IF_ERROR(json_internal::GetString(obj, "variant", path, &p.variant));
  RETURN_IF_ERROR(
      json_internal::GetString(obj, "os.version", path, &p.os_version));
  RETURN_IF_ERROR(
      json_internal::GetStringList(obj, "os.features", path, &p.os_features));
  if (p.os.empty() || p.architecture.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": os and architecture are required"));
  }
  return p;
}

absl::StatusOr<Descriptor> ParseDescriptor(const Json& obj,
                                           const std::string& path) {
  if (!obj.is_object()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": expected a descriptor object"));
  }
  Descriptor d;
  RETURN_IF_ERROR(
      json_internal::GetString(obj, "mediaType", path, &d.media_type));
  if (d.media_type.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ".mediaType: missing"));
  }
  RETURN_IF_ERROR(json_internal::GetDigest(obj, "digest", path, &d.digest));
  bool has_size = false;
  RETURN_IF_ERROR(json_internal::GetInt(obj, "size", path, &d.size, &has_size));
  if (!has_size) {
    return absl::InvalidArgumentError(absl::StrCat(path, ".size: missing"));
  }
  if (d.size < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ".size: negative (", d.size, ")"));
  }
  RETURN_IF_ERROR(json_internal::GetStringList(obj, "urls", path, &d.urls));
  RETURN_IF_ERROR(
      json_internal::GetStringMap(obj, "annotations", path, &d.annotations));
  RETURN_IF_ERROR(
      json_internal::GetString(obj, "artifactType", path, &d.artifact_type));
  auto platform = obj.find("platform");
  if (platform != obj.end() && !platform->is_null()) {
    ASSIGN_OR_RETURN(d.platform,
                     ParsePlatformObject(*platform, path + ".platform"));
  }
  return d;
}

// Checks schemaVersion and mediaType common to indexes and manifests.
absl::Status CheckHeader(const Json& j, absl::string_view kind_a,
                         absl::string_view kind_b, std::string* media_type,
                         absl::string_view fallback) {
  int64_t version = 0;
  bool has_version = false;
  RETURN_IF_ERROR(
      json_internal::GetInt(j, "schemaVersion", "", &version, &has_version));
  if (has_version && version == 1) return Schema1Error();
  if (!has_version || version != 2) {
    return absl::InvalidArgumentError(
        absl::StrCat("schemaVersion: expected 2, got ",
                     has_version ? absl::StrCat(version) : "none"));
  }
  std::string mt;
  RETURN_IF_ERROR(json_internal::GetString(j, "mediaType", "", &mt));
  if (IsSchema1MediaType(mt)) return Schema1Error();
  if (mt.empty()) mt = std::string(fallback);
  if (mt != kind_a && mt != kind_b) {
    return absl::InvalidArgumentError(absl::StrCat(
        "mediaType: expected ", kind_a, " or ", kind_b, ", got ", mt));
  }
  *media_type = mt;
  return absl::OkStatus();
}

absl::StatusOr<Index> IndexFromJson(const Json& j) {
  Index index;
  RETURN_IF_ERROR(CheckHeader(j, kOciIndex, kDockerManifestList,
                              &index.media_type, kOciIndex));
  auto manifests = j.find("manifests");
  if (manifests == j.end() || !manifests->is_array()) {
    return absl::InvalidArgumentError("manifests: expected an array");
  }
  for (size_t i = 0; i < manifests->size(); ++i) {
    ASSIGN_OR_RETURN(
        Descriptor d,
        ParseDescriptor((*manifests)[i], absl::StrCat("manifests[", i, "]")));
    if (IsSchema1MediaType(d.media_type)) return Schema1Error();
    if ((IsManifestMediaType(d.media_type) || IsIndexMediaType(d.media_type)) &&
        static_cast<uint64_t>(d.size) > kMaxManifestSize) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "manifests[", i, "].size: ", d.size,
          " bytes is more than the manifest limit of ", kMaxManifestSize));
    }
    index.manifests.push_back(std::move(d));
  }
  RETURN_IF_ERROR(
      json_internal::GetStringMap(j, "annotations", "", &index.annotations));
  return index;
}

absl::StatusOr<Manifest> ManifestFromJson(const Json& j) {
  Manifest m;
  RETURN_IF_ERROR(CheckHeader(j, kOciManifest, kDockerManifest, &m.media_type,
                              kOciManifest));
  auto config = j.find("config");
  if (config == j.end() || config->is_null()) {
    return absl::InvalidArgumentError("config: missing");
  }
  ASSIGN_OR_RETURN(m.config, ParseDescriptor(*config, "config"));
  if (!IsConfigMediaType(m.config.media_type)) {
    return absl::UnimplementedError(absl::StrCat(
        "config.mediaType: ", m.config.media_type,
        " is not a container image configuration (an OCI artifact?)"));
  }
  if (static_cast<uint64_t>(m.config.size) > kMaxConfigSize) {
    return absl::ResourceExhaustedError(
        absl::StrCat("config.size: ", m.config.size,
                     " bytes is more than the limit of ", kMaxConfigSize));
  }
  auto layers = j.find("layers");
  if (layers == j.end() || !layers->is_array()) {
    return absl::InvalidArgumentError("layers: expected an array");
  }
  for (size_t i = 0; i < layers->size(); ++i) {
    std::string path = absl::StrCat("layers[", i, "]");
    ASSIGN_OR_RETURN(Descriptor d, ParseDescriptor((*layers)[i], path));
    LayerCompression compression;
    if (!LayerCompressionOf(d.media_type, &compression)) {
      return absl::UnimplementedError(absl::StrCat(
          path, ".mediaType: unknown layer media type ", d.media_type));
    }
    m.layers.push_back(std::move(d));
  }
  RETURN_IF_ERROR(
      json_internal::GetStringMap(j, "annotations", "", &m.annotations));
  return m;
}

// "application/json; charset=utf-8" -> "application/json".
std::string BareContentType(absl::string_view ct) {
  size_t semi = ct.find(';');
  return absl::AsciiStrToLower(absl::StripAsciiWhitespace(ct.substr(0, semi)));
}

bool IsGenericContentType(absl::string_view ct) {
  return ct.empty() || ct == "application/json" || ct == "text/plain" ||
         ct == "application/octet-stream" || ct == "binary/octet-stream";
}

absl::Status CheckSize(absl::string_view body) {
  if (body.size() > kMaxManifestSize) {
    return absl::ResourceExhaustedError(
        absl::StrCat(body.size(), " bytes is more than the manifest limit of ",
                     kMaxManifestSize));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<ManifestDocument> ParseManifestDocument(
    absl::string_view body, absl::string_view content_type,
    absl::string_view context) {
  auto parse = [&]() -> absl::StatusOr<ManifestDocument> {
    RETURN_IF_ERROR(CheckSize(body));
    std::string served = BareContentType(content_type);
    if (IsSchema1MediaType(served)) return Schema1Error();
    ASSIGN_OR_RETURN(Json j, json_internal::ParseObject(body));
    int64_t version = 0;
    RETURN_IF_ERROR(json_internal::GetInt(j, "schemaVersion", "", &version));
    if (version == 1) return Schema1Error();
    std::string declared;
    RETURN_IF_ERROR(json_internal::GetString(j, "mediaType", "", &declared));
    if (!declared.empty() && !IsGenericContentType(served) &&
        declared != served) {
      return absl::InvalidArgumentError(absl::StrCat(
          "served as ", served, " but the document says ", declared));
    }
    std::string mt = declared;
    if (mt.empty() && !IsGenericContentType(served)) mt = served;
    if (mt.empty()) {
      // OCI made mediaType optional at first; recognise the shape.
      if (j.contains("manifests")) {
        mt = std::string(kOciIndex);
      } else if (j.contains("config")) {
        mt = std::string(kOciManifest);
      } else {
        return absl::InvalidArgumentError(
            "not a manifest: no mediaType, manifests or config");
      }
    }
    ManifestDocument doc;
    doc.media_type = mt;
    if (IsIndexMediaType(mt)) {
      ASSIGN_OR_RETURN(doc.index, IndexFromJson(j));
      doc.index->media_type = mt;
    } else if (IsManifestMediaType(mt)) {
      ASSIGN_OR_RETURN(doc.manifest, ManifestFromJson(j));
      doc.manifest->media_type = mt;
    } else if (IsSchema1MediaType(mt)) {
      return Schema1Error();
    } else {
      return absl::UnimplementedError(
          absl::StrCat("unknown manifest media type ", mt));
    }
    return doc;
  };
  auto doc = parse();
  if (!doc.ok()) return WithContext(doc.status(), context);
  return doc;
}

absl::StatusOr<Index> ParseIndex(absl::string_view body,
                                 absl::string_view context) {
  auto parse = [&]() -> absl::StatusOr<Index> {
    RETURN_IF_ERROR(CheckSize(body));
    ASSIGN_OR_RETURN(Json j, json_internal::ParseObject(body));
    return IndexFromJson(j);
  };
  auto index = parse();
  if (!index.ok()) return WithContext(index.status(), context);
  return index;
}

absl::StatusOr<Manifest> ParseManifest(absl::string_view body,
                                       absl::string_view context) {
  auto parse = [&]() -> absl::StatusOr<Manifest> {
    RETURN_IF_ERROR(CheckSize(body));
    ASSIGN_OR_RETURN(Json j, json_internal::ParseObject(body));
    return ManifestFromJson(j);
  };
  auto manifest = parse();
  if (!manifest.ok()) return WithContext(manifest.status(), context);
  return manifest;
}

absl::StatusOr<Descriptor> SelectManifest(const Index& index,
                                          const Platform& platform,
                                          absl::string_view context) {
  const Descriptor* best = nullptr;
  int best_rank = -1;
  const Descriptor* unplatformed = nullptr;
  std::vector<std::string> offered;
  for (const Descriptor& d : index.manifests) {
    if (!IsManifestMediaType(d.media_type)) continue;
    if (!d.platform) {
      if (unplatformed == nullptr) unplatformed = &d;
      continue;
    }
    if (d.platform->os == "unknown") continue;  // attestations, SBOMs
    offered.push_back(d.platform->ToString());
    int rank = PlatformRank(platform, *d.platform);
    if (rank >= 0 && (best == nullptr || rank < best_rank)) {
      best = &d;
      best_rank = rank;
    }
  }
  if (best != nullptr) return *best;
  if (unplatformed != nullptr) return *unplatformed;
  return absl::NotFoundError(absl::StrCat(
      context, ": no manifest for ", platform.ToString(), " (the index has ",
      offered.empty() ? "no image manifests" : absl::StrJoin(offered, ", "),
      ")"));
}

}  // namespace crate::registry
