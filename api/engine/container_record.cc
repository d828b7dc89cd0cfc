#include "api/engine/container_record.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "api/engine/ids.h"
#include "api/engine/json_fields.h"
#include "api/engine/names.h"
#include "runtime/base/status_macros.h"

namespace crate::engine {
namespace {

constexpr std::pair<ContainerState, const char*> kStateNames[] = {
    {ContainerState::kCreating, "creating"},
    {ContainerState::kCreated, "created"},
    {ContainerState::kRunning, "running"},
    {ContainerState::kExited, "exited"},
    {ContainerState::kRemoving, "removing"},
};

absl::Status NonNegative(const JsonFields& fields, const char* key,
                         int64_t value) {
  if (value >= 0) return absl::OkStatus();
  return fields.Error(key, absl::StrCat("negative value ", value));
}

}  // namespace

absl::string_view ContainerStateName(ContainerState state) {
  for (const auto& [s, name] : kStateNames) {
    if (s == state) return name;
  }
  return "unknown";
}

absl::StatusOr<ContainerState> ParseContainerState(absl::string_view name) {
  for (const auto& [s, n] : kStateNames) {
    if (name == n) return s;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown container state \"", name, "\""));
}

nlohmann::json ContainerRecordToJson(const ContainerRecord& r) {
  nlohmann::json j = {
      {"id", r.id},
      {"name", r.name},
      {"image", r.image},
      {"image_id", r.image_id},
      {"state", std::string(ContainerStateName(r.state))},
      {"labels", r.labels},
      {"config", r.config},
      {"shim_pid", r.shim_pid},
      {"shim_start_time", r.shim_start_time},
      {"init_pid", r.init_pid},
      {"exit_reason", r.exit_reason},
      {"restart_count", r.restart_count},
      {"sandbox", r.sandbox},
  };
  // Infinite times have no RFC 3339 form; absent reads back as unset.
  if (r.created != absl::InfinitePast()) {
    j["created"] = FormatRecordTime(r.created);
  }
  if (r.started_at) j["started_at"] = FormatRecordTime(*r.started_at);
  if (r.finished_at) j["finished_at"] = FormatRecordTime(*r.finished_at);
  if (r.exit_code) j["exit_code"] = *r.exit_code;
  return j;
}

absl::StatusOr<ContainerRecord> ContainerRecordFromJson(
    const nlohmann::json& j, absl::string_view source) {
  JsonFields f(j, source);
  ContainerRecord r;
  RETURN_IF_ERROR(f.String("id", &r.id, /*required=*/true));
  if (!IsFullId(r.id)) {
    return f.Error(
        "id", absl::StrCat("\"", r.id, "\" is not 64 lowercase hex digits"));
  }
  RETURN_IF_ERROR(f.String("name", &r.name, /*required=*/true));
  if (absl::Status s = ValidateContainerName(r.name); !s.ok()) {
    return f.Error("name", s.message());
  }
  std::string state;
  RETURN_IF_ERROR(f.String("state", &state, /*required=*/true));
  absl::StatusOr<ContainerState> parsed = ParseContainerState(state);
  if (!parsed.ok()) return f.Error("state", parsed.status().message());
  r.state = *parsed;
  RETURN_IF_ERROR(f.String("image", &r.image));
  RETURN_IF_ERROR(f.String("image_id", &r.image_id));
  RETURN_IF_ERROR(f.Time("created", &r.created));
  RETURN_IF_ERROR(f.StringMap("labels", &r.labels));
  RETURN_IF_ERROR(f.Object("config", &r.config));
  RETURN_IF_ERROR(f.Int("shim_pid", &r.shim_pid));
  RETURN_IF_ERROR(NonNegative(f, "shim_pid", r.shim_pid));
  RETURN_IF_ERROR(f.Uint64("shim_start_time", &r.shim_start_time));
  RETURN_IF_ERROR(f.Int("init_pid", &r.init_pid));
  RETURN_IF_ERROR(NonNegative(f, "init_pid", r.init_pid));
  RETURN_IF_ERROR(f.OptionalTime("started_at", &r.started_at));
  RETURN_IF_ERROR(f.OptionalTime("finished_at", &r.finished_at));
  RETURN_IF_ERROR(f.OptionalInt("exit_code", &r.exit_code));
  RETURN_IF_ERROR(f.String("exit_reason", &r.exit_reason));
  RETURN_IF_ERROR(f.Int("restart_count", &r.restart_count));
  RETURN_IF_ERROR(NonNegative(f, "restart_count", r.restart_count));
  RETURN_IF_ERROR(f.String("sandbox", &r.sandbox));
  return r;
}

absl::StatusOr<std::string> SerializeContainerRecord(
    const ContainerRecord& record) {
  try {
    return ContainerRecordToJson(record).dump(2) + "\n";
  } catch (const nlohmann::json::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(
        "container ", record.name.empty() ? record.id : record.name,
        ": its labels and options must be UTF-8 text (", e.what(), ")"));
  }
}

absl::StatusOr<ContainerRecord> ParseContainerRecord(absl::string_view text,
                                                     absl::string_view source) {
  ASSIGN_OR_RETURN(nlohmann::json j, ParseRecordObject(text, source));
  return ContainerRecordFromJson(j, source);
}

}  // namespace crate::engine
