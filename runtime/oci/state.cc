#include "runtime/oci/state.h"

#include <nlohmann/json.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "runtime/base/status_macros.h"
#include "runtime/oci/json_reader.h"
#include "runtime/oci/spec.h"

namespace crate::oci {
namespace {

constexpr const char* kStatusNames[] = {"creating", "created", "running",
                                        "stopped", "paused"};

}  // namespace

absl::string_view StatusName(ContainerStatus status) {
  return kStatusNames[static_cast<int>(status)];
}

absl::optional<ContainerStatus> StatusFromName(absl::string_view name) {
  for (int i = 0; i < 5; ++i) {
    if (name == kStatusNames[i]) return static_cast<ContainerStatus>(i);
  }
  return absl::nullopt;
}

std::string StateToJson(const State& state, bool pretty) {
  nlohmann::ordered_json j;
  j["ociVersion"] = state.oci_version.empty() ? kOciVersion : state.oci_version;
  j["id"] = state.id;
  j["status"] = std::string(StatusName(state.status));
  if (state.pid > 0) j["pid"] = state.pid;
  j["bundle"] = state.bundle;
  if (!state.annotations.empty()) j["annotations"] = state.annotations;
  return j.dump(pretty ? 2 : -1);
}

absl::StatusOr<State> ParseState(absl::string_view text) {
  using json_reader::Json;
  Json doc = Json::parse(text.begin(), text.end(), nullptr, false);
  if (doc.is_discarded()) {
    return absl::InvalidArgumentError("state is not valid JSON");
  }
  if (!doc.is_object()) return json_reader::WrongType("state", "object", doc);
  State state;
  RETURN_IF_ERROR(
      json_reader::GetString(doc, "", "ociVersion", &state.oci_version, true));
  RETURN_IF_ERROR(json_reader::GetString(doc, "", "id", &state.id, true));
  std::string status;
  RETURN_IF_ERROR(json_reader::GetString(doc, "", "status", &status, true));
  absl::optional<ContainerStatus> s = StatusFromName(status);
  if (!s) {
    return json_reader::Invalid(
        "status", absl::StrCat("unknown status \"", status, "\""));
  }
  state.status = *s;
  RETURN_IF_ERROR(json_reader::GetInt(doc, "", "pid", &state.pid));
  RETURN_IF_ERROR(json_reader::GetString(doc, "", "bundle", &state.bundle));
  RETURN_IF_ERROR(
      json_reader::GetStringMap(doc, "", "annotations", &state.annotations));
  return state;
}

absl::Status ValidateContainerId(absl::string_view id) {
  if (id.empty()) return absl::InvalidArgumentError("container ID is empty");
  if (id == "." || id == ".." || id.size() > 1024) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid container ID \"", id, "\""));
  }
  for (char c : id) {
    if (!absl::ascii_isalnum(c) && c != '_' && c != '.' && c != '-' &&
        c != '+') {
      return absl::InvalidArgumentError(absl::StrCat(
          "invalid container ID \"", id,
          "\": only letters, digits, '_', '.', '+' and '-' are allowed"));
    }
  }
  return absl::OkStatus();
}

}  // namespace crate::oci
