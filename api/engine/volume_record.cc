#include "api/engine/volume_record.h"

#include "absl/strings/str_cat.h"
#include "api/engine/json_fields.h"
#include "api/engine/names.h"
#include "runtime/base/status_macros.h"

namespace crate::engine {

absl::StatusOr<VolumeRecord> ParseVolumeRecord(absl::string_view text,
                                               absl::string_view source) {
  ASSIGN_OR_RETURN(nlohmann::json j, ParseRecordObject(text, source));
  JsonFields f(j, source);
  VolumeRecord r;
  RETURN_IF_ERROR(f.String("name", &r.name, /*required=*/true));
  if (absl::Status s = ValidateVolumeName(r.name); !s.ok()) {
    return f.Error("name", s.message());
  }
  RETURN_IF_ERROR(f.String("driver", &r.driver));
  RETURN_IF_ERROR(f.StringMap("labels", &r.labels));
  RETURN_IF_ERROR(f.StringMap("options", &r.options));
  RETURN_IF_ERROR(f.Time("created", &r.created));
  RETURN_IF_ERROR(f.Bool("anonymous", &r.anonymous));
  return r;
}

absl::StatusOr<std::string> SerializeVolumeRecord(const VolumeRecord& r) {
  nlohmann::json j = {
      {"name", r.name},       {"driver", r.driver},       {"labels", r.labels},
      {"options", r.options}, {"anonymous", r.anonymous},
  };
  if (r.created != absl::InfinitePast()) {
    j["created"] = FormatRecordTime(r.created);
  }
  try {
    return j.dump(2) + "\n";
  } catch (const nlohmann::json::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(
        "volume ", r.name, ": its labels and options must be UTF-8 text (",
        e.what(), ")"));
  }
}

}  // namespace crate::engine
