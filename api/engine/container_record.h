// What the service keeps about one container: its identity, the options it
// was created with, and where it is in its life. Stored as
// containers/<id>/container.json; the JSON is written for people too (jq,
// a text editor), with one snake_case key per field.
#ifndef CRATE_API_ENGINE_CONTAINER_RECORD_H_
#define CRATE_API_ENGINE_CONTAINER_RECORD_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"

namespace crate::engine {

// The record's lifecycle, not the process's live status: whether a created
// container runs right now is the shim's to say. kCreating and kRemoving
// mark steps a crash may have interrupted (docs/SERVICE.md).
enum class ContainerState { kCreating, kCreated, kRunning, kExited, kRemoving };

// "creating", "created", "running", "exited", "removing".
absl::string_view ContainerStateName(ContainerState state);
// The inverse; kInvalidArgument for an unknown name.
absl::StatusOr<ContainerState> ParseContainerState(absl::string_view name);

struct ContainerRecord {
  std::string id;        // 64 lowercase hex digits
  std::string name;      // unique; see ValidateContainerName
  std::string image;     // the reference as the user gave it
  std::string image_id;  // the image's digest ("sha256:...")
  absl::Time created = absl::InfinitePast();
  ContainerState state = ContainerState::kCreating;
  std::map<std::string, std::string> labels;
  // The create options, kept whole and opaque to the store, so that the
  // engine can add options without a store change.
  nlohmann::json config = nlohmann::json::object();

  // The shim that monitors the container. The start time (field 22 of
  // /proc/<pid>/stat, clock ticks after boot) tells the shim from a later
  // process that was given the same pid.
  int shim_pid = 0;
  uint64_t shim_start_time = 0;
  int init_pid = 0;

  std::optional<absl::Time> started_at;
  std::optional<absl::Time> finished_at;
  std::optional<int> exit_code;
  std::string exit_reason;  // e.g. "OOMKilled", "shim died"
  int restart_count = 0;

  // The pod sandbox the container belongs to; empty until pods exist.
  std::string sandbox;
};

nlohmann::json ContainerRecordToJson(const ContainerRecord& record);

// `source` (the file's path) starts every error. Unknown fields are
// ignored; id, name and state are required and checked.
absl::StatusOr<ContainerRecord> ContainerRecordFromJson(
    const nlohmann::json& j, absl::string_view source);

// The file's text, and back. JSON holds only UTF-8, so a label or option
// that is not UTF-8 is kInvalidArgument here rather than bytes changed.
absl::StatusOr<std::string> SerializeContainerRecord(
    const ContainerRecord& record);
absl::StatusOr<ContainerRecord> ParseContainerRecord(absl::string_view text,
                                                     absl::string_view source);

}  // namespace crate::engine

#endif  // CRATE_API_ENGINE_CONTAINER_RECORD_H_
