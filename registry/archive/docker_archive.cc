#include "registry/archive/docker_archive.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"
#include "runtime/base/status_macros.h"

namespace crate::registry {
namespace {

using Json = nlohmann::json;

absl::StatusOr<std::vector<std::string>> Strings(const Json& obj,
                                                 const char* key,
                                                 const std::string& path) {
  std::vector<std::string> out;
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return out;
  if (!it->is_array()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ".", key, ": expected an array of strings"));
  }
  for (size_t i = 0; i < it->size(); ++i) {
    const Json& v = (*it)[i];
    if (!v.is_string() || v.get<std::string>().empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, ".", key, "[", i, "]: expected a non-empty string"));
    }
    out.push_back(v.get<std::string>());
  }
  return out;
}

}  // namespace

absl::StatusOr<std::vector<DockerArchiveImage>> ParseDockerArchiveManifest(
    absl::string_view body, absl::string_view context) {
  const Json j = Json::parse(body.begin(), body.end(), nullptr,
                             /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    return absl::InvalidArgumentError(
        absl::StrCat(context, ": malformed JSON"));
  }
  if (!j.is_array()) {
    return absl::InvalidArgumentError(
        absl::StrCat(context, ": expected an array of images"));
  }
  if (j.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(context, ": no images"));
  }
  std::vector<DockerArchiveImage> images;
  for (size_t i = 0; i < j.size(); ++i) {
    const std::string path = absl::StrCat(context, ": [", i, "]");
    const Json& o = j[i];
    if (!o.is_object()) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": expected an object"));
    }
    DockerArchiveImage image;
    auto config = o.find("Config");
    if (config == o.end() || !config->is_string() ||
        config->get<std::string>().empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ".Config: expected the name of an entry"));
    }
    image.config = config->get<std::string>();
    ASSIGN_OR_RETURN(image.repo_tags, Strings(o, "RepoTags", path));
    ASSIGN_OR_RETURN(image.layers, Strings(o, "Layers", path));
    images.push_back(std::move(image));
  }
  return images;
}

std::string DockerArchiveManifestJson(
    const std::vector<DockerArchiveImage>& images) {
  nlohmann::ordered_json j = nlohmann::ordered_json::array();
  for (const DockerArchiveImage& image : images) {
    nlohmann::ordered_json o;
    o["Config"] = image.config;
    o["RepoTags"] = image.repo_tags.empty()
                        ? nlohmann::ordered_json()
                        : nlohmann::ordered_json(image.repo_tags);
    o["Layers"] = image.layers;
    j.push_back(std::move(o));
  }
  return j.dump();
}

}  // namespace crate::registry
