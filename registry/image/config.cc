#include "registry/image/config.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "registry/image/json_util.h"
#include "runtime/base/errno_status.h"
#include "runtime/base/status_macros.h"

namespace crate::registry {
namespace {

using json_internal::Json;

absl::Status GetTime(const Json& obj, const char* key, const std::string& path,
                     absl::optional<absl::Time>* out) {
  std::string s;
  RETURN_IF_ERROR(json_internal::GetString(obj, key, path, &s));
  if (s.empty()) return absl::OkStatus();
  absl::Time t;
  std::string err;
  if (!absl::ParseTime(absl::RFC3339_full, s, &t, &err)) {
    return absl::InvalidArgumentError(
        absl::StrCat(json_internal::Field(path, key), ": \"", s,
                     "\" is not an RFC 3339 time"));
  }
  *out = t;
  return absl::OkStatus();
}

absl::StatusOr<ContainerConfig> ParseContainerConfig(const Json& j) {
  ContainerConfig c;
  const std::string p = "config";
  if (!j.is_object()) {
    return absl::InvalidArgumentError("config: expected an object");
  }
  RETURN_IF_ERROR(json_internal::GetString(j, "User", p, &c.user));
  RETURN_IF_ERROR(
      json_internal::GetKeySet(j, "ExposedPorts", p, &c.exposed_ports));
  RETURN_IF_ERROR(json_internal::GetStringList(j, "Env", p, &c.env));
  RETURN_IF_ERROR(
      json_internal::GetStringList(j, "Entrypoint", p, &c.entrypoint));
  RETURN_IF_ERROR(json_internal::GetStringList(j, "Cmd", p, &c.cmd));
  RETURN_IF_ERROR(json_internal::GetKeySet(j, "Volumes", p, &c.volumes));
  RETURN_IF_ERROR(json_internal::GetString(j, "WorkingDir", p, &c.working_dir));
  RETURN_IF_ERROR(json_internal::GetStringMap(j, "Labels", p, &c.labels));
  RETURN_IF_ERROR(json_internal::GetString(j, "StopSignal", p, &c.stop_signal));
  std::sort(c.exposed_ports.begin(), c.exposed_ports.end());
  std::sort(c.volumes.begin(), c.volumes.end());
  return c;
}

absl::StatusOr<ImageConfig> ConfigFromJson(const Json& j) {
  ImageConfig c;
  RETURN_IF_ERROR(GetTime(j, "created", "", &c.created));
  RETURN_IF_ERROR(json_internal::GetString(j, "author", "", &c.author));
  RETURN_IF_ERROR(json_internal::GetString(j, "os", "", &c.platform.os));
  RETURN_IF_ERROR(json_internal::GetString(j, "architecture", "",
                                           &c.platform.architecture));
  RETURN_IF_ERROR(
      json_internal::GetString(j, "variant", "", &c.platform.variant));
  RETURN_IF_ERROR(
      json_internal::GetString(j, "os.version", "", &c.platform.os_version));
  RETURN_IF_ERROR(json_internal::GetStringList(j, "os.features", "",
                                               &c.platform.os_features));
  if (c.platform.os.empty()) {
    return absl::InvalidArgumentError("os: missing");
  }
  if (c.platform.architecture.empty()) {
    return absl::InvalidArgumentError("architecture: missing");
  }
  auto config = j.find("config");
  if (config != j.end() && !config->is_null()) {
    ASSIGN_OR_RETURN(c.config, ParseContainerConfig(*config));
  }
  auto rootfs = j.find("rootfs");
  if (rootfs == j.end() || !rootfs->is_object()) {
    return absl::InvalidArgumentError("rootfs: missing");
  }
  std::string type;
  RETURN_IF_ERROR(json_internal::GetString(*rootfs, "type", "rootfs", &type));
  if (type != "layers") {
    return absl::InvalidArgumentError(
        absl::StrCat("rootfs.type: expected \"layers\", got \"", type, "\""));
  }
  auto diff_ids = rootfs->find("diff_ids");
  if (diff_ids == rootfs->end() || !diff_ids->is_array()) {
    return absl::InvalidArgumentError("rootfs.diff_ids: expected an array");
  }
  for (size_t i = 0; i < diff_ids->size(); ++i) {
    const Json& e = (*diff_ids)[i];
    std::string path = absl::StrCat("rootfs.diff_ids[", i, "]");
    if (!e.is_string()) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": expected a digest string"));
    }
    auto d = Digest::Parse(e.get<std::string>());
    if (!d.ok()) return Annotate(d.status(), path);
    c.diff_ids.push_back(*std::move(d));
  }
  auto history = j.find("history");
  if (history != j.end() && !history->is_null()) {
    if (!history->is_array()) {
      return absl::InvalidArgumentError("history: expected an array");
    }
    for (size_t i = 0; i < history->size(); ++i) {
      const Json& e = (*history)[i];
      std::string path = absl::StrCat("history[", i, "]");
      if (!e.is_object()) {
        return absl::InvalidArgumentError(
            absl::StrCat(path, ": expected an object"));
      }
      HistoryEntry h;
      RETURN_IF_ERROR(GetTime(e, "created", path, &h.created));
      RETURN_IF_ERROR(
          json_internal::GetString(e, "created_by", path, &h.created_by));
      RETURN_IF_ERROR(json_internal::GetString(e, "author", path, &h.author));
      RETURN_IF_ERROR(json_internal::GetString(e, "comment", path, &h.comment));
      RETURN_IF_ERROR(
          json_internal::GetBool(e, "empty_layer", path, &h.empty_layer));
      c.history.push_back(std::move(h));
    }
  }
  return c;
}

}  // namespace

absl::StatusOr<ImageConfig> ParseImageConfig(absl::string_view body,
                                             absl::string_view context) {
  auto parse = [&]() -> absl::StatusOr<ImageConfig> {
    if (body.size() > kMaxConfigSize) {
      return absl::ResourceExhaustedError(
          absl::StrCat(body.size(), " bytes is more than the config limit of ",
                       kMaxConfigSize));
    }
    ASSIGN_OR_RETURN(Json j, json_internal::ParseObject(body));
    return ConfigFromJson(j);
  };
  auto config = parse();
  if (!config.ok() && !context.empty()) {
    return Annotate(config.status(), context);
  }
  return config;
}

absl::Status CheckManifestMatchesConfig(const Manifest& manifest,
                                        const ImageConfig& config,
                                        absl::string_view context) {
  auto fail = [&](std::string why) {
    return absl::InvalidArgumentError(
        context.empty() ? why : absl::StrCat(context, ": ", why));
  };
  if (manifest.layers.size() != config.diff_ids.size()) {
    return fail(absl::StrCat("the manifest lists ", manifest.layers.size(),
                             " layers but the config has ",
                             config.diff_ids.size(), " diff_ids"));
  }
  return absl::OkStatus();
}

std::vector<Digest> ChainIds(const std::vector<Digest>& diff_ids) {
  std::vector<Digest> out;
  out.reserve(diff_ids.size());
  for (const Digest& d : diff_ids) {
    if (out.empty()) {
      out.push_back(d);
    } else {
      out.push_back(Digest::Sha256Of(
          absl::StrCat(out.back().ToString(), " ", d.ToString())));
    }
  }
  return out;
}

}  // namespace crate::registry
