#include "registry/archive/oci_layout.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"
#include "registry/image/media_types.h"
#include "runtime/base/errno_status.h"
#include "runtime/base/status_macros.h"

namespace crate::registry {
namespace {

using Ordered = nlohmann::ordered_json;

// Docker's tag grammar: [\w][\w.-]{0,127}.
bool IsTag(absl::string_view s) {
  if (s.empty() || s.size() > 128) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    const bool word = absl::ascii_isalnum(c) || c == '_';
    if (!word && (i == 0 || (c != '.' && c != '-'))) return false;
  }
  return true;
}

Ordered PlatformJson(const Platform& p) {
  Ordered j;
  j["architecture"] = p.architecture;
  j["os"] = p.os;
  if (!p.os_version.empty()) j["os.version"] = p.os_version;
  if (!p.os_features.empty()) j["os.features"] = p.os_features;
  if (!p.variant.empty()) j["variant"] = p.variant;
  return j;
}

Ordered DescriptorJson(const Descriptor& d) {
  Ordered j;
  j["mediaType"] = d.media_type;
  j["digest"] = d.digest.ToString();
  j["size"] = d.size;
  if (!d.urls.empty()) j["urls"] = d.urls;
  if (!d.annotations.empty()) j["annotations"] = d.annotations;
  if (d.platform) j["platform"] = PlatformJson(*d.platform);
  if (!d.artifact_type.empty()) j["artifactType"] = d.artifact_type;
  return j;
}

absl::StatusOr<std::string> OciLayerType(absl::string_view mt) {
  if (mt == kDockerLayerGzip) return std::string(kOciLayerGzip);
  if (mt == kDockerForeignLayerGzip) {
    return std::string(kOciLayerNondistributableGzip);
  }
  LayerCompression compression;
  if (LayerCompressionOf(mt, &compression)) return std::string(mt);
  return absl::UnimplementedError(
      absl::StrCat("layer media type ", mt, " has no OCI counterpart"));
}

}  // namespace

std::string OciBlobPath(const Digest& digest) {
  return absl::StrCat("blobs/", digest.algorithm(), "/", digest.hex());
}

absl::Status CheckOciLayout(absl::string_view body, absl::string_view context) {
  nlohmann::json j = nlohmann::json::parse(body.begin(), body.end(), nullptr,
                                           /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return absl::InvalidArgumentError(
        absl::StrCat(context, ": not a JSON object"));
  }
  auto version = j.find("imageLayoutVersion");
  if (version == j.end() || !version->is_string()) {
    return absl::InvalidArgumentError(
        absl::StrCat(context, ": imageLayoutVersion: expected a string"));
  }
  if (version->get<std::string>() != kOciLayoutVersion) {
    return absl::UnimplementedError(absl::StrCat(
        context, ": imageLayoutVersion is ", version->get<std::string>(),
        "; crate reads layouts of version ", kOciLayoutVersion));
  }
  return absl::OkStatus();
}

absl::StatusOr<absl::optional<Reference>> OciEntryName(
    const Descriptor& entry, const absl::optional<Reference>& repository,
    absl::string_view context) {
  auto find = [&](absl::string_view key) -> std::string {
    auto it = entry.annotations.find(std::string(key));
    return it == entry.annotations.end() ? "" : it->second;
  };
  const std::string containerd = find(kContainerdNameAnnotation);
  const std::string ref_name = find(kRefNameAnnotation);
  if (containerd.empty() && ref_name.empty()) return absl::nullopt;
  const bool bare_tag =
      containerd.empty() && !absl::StrContains(ref_name, '/') &&
      !absl::StrContains(ref_name, ':') && !absl::StrContains(ref_name, '@');
  if (bare_tag) {
    if (!IsTag(ref_name)) {
      return absl::InvalidArgumentError(
          absl::StrCat(context, ": ", kRefNameAnnotation, " \"", ref_name,
                       "\" is neither a tag nor an image reference"));
    }
    if (!repository) {
      return absl::InvalidArgumentError(
          absl::StrCat(context, ": named only by the tag \"", ref_name,
                       "\"; give the repository name to load it under"));
    }
    return repository->NameOnly().WithTag(ref_name);
  }
  const std::string& name = containerd.empty() ? ref_name : containerd;
  absl::StatusOr<Reference> ref = Reference::ParseDockerRef(name);
  if (!ref.ok()) {
    return Annotate(ref.status(),
                    absl::StrCat(context, ": ",
                                 containerd.empty() ? kRefNameAnnotation
                                                    : kContainerdNameAnnotation,
                                 " \"", name, "\""));
  }
  return *std::move(ref);
}

std::string OciLayoutJson() {
  Ordered j;
  j["imageLayoutVersion"] = kOciLayoutVersion;
  return j.dump();
}

std::string OciIndexJson(const std::vector<Descriptor>& manifests) {
  Ordered j;
  j["schemaVersion"] = 2;
  j["mediaType"] = kOciIndex;
  j["manifests"] = Ordered::array();
  for (const Descriptor& d : manifests) {
    j["manifests"].push_back(DescriptorJson(d));
  }
  return j.dump();
}

std::string OciManifestJson(
    const Descriptor& config, const std::vector<Descriptor>& layers,
    const std::map<std::string, std::string>& annotations) {
  Ordered j;
  j["schemaVersion"] = 2;
  j["mediaType"] = kOciManifest;
  j["config"] = DescriptorJson(config);
  j["layers"] = Ordered::array();
  for (const Descriptor& d : layers) j["layers"].push_back(DescriptorJson(d));
  if (!annotations.empty()) j["annotations"] = annotations;
  return j.dump();
}

absl::StatusOr<std::string> ToOciManifest(const Manifest& manifest) {
  Descriptor config = manifest.config;
  config.media_type = std::string(kOciConfig);
  std::vector<Descriptor> layers = manifest.layers;
  for (Descriptor& l : layers) {
    ASSIGN_OR_RETURN(l.media_type, OciLayerType(l.media_type));
  }
  return OciManifestJson(config, layers, manifest.annotations);
}

}  // namespace crate::registry
