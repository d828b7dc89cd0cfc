// Typed reads of the store's own JSON records. Every error is kDataLoss
// (the file on disk is damaged, not the caller's input) and names the file
// and the field, so that a person can open the file and find the line:
//   /var/lib/crate/containers/ab12.../container.json: field "state":
//   unknown value "paused"
// Missing or null fields leave the output unchanged unless required, and
// fields nobody asks for are ignored, so records written by a newer crate
// still load.
#ifndef CRATE_API_ENGINE_JSON_FIELDS_H_
#define CRATE_API_ENGINE_JSON_FIELDS_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"

namespace crate::engine {

// RFC 3339 in UTC with nanoseconds, as docker and the CRI print times.
std::string FormatRecordTime(absl::Time t);

// Parses `text` (the content of `source`) as one JSON object.
absl::StatusOr<nlohmann::json> ParseRecordObject(absl::string_view text,
                                                 absl::string_view source);

class JsonFields {
 public:
  // `obj` must outlive this reader.
  JsonFields(const nlohmann::json& obj, absl::string_view source)
      : obj_(obj), source_(source) {}

  absl::Status String(const char* key, std::string* out,
                      bool required = false) const;
  absl::Status Int64(const char* key, int64_t* out,
                     bool required = false) const;
  absl::Status Int(const char* key, int* out) const;
  absl::Status OptionalInt(const char* key, std::optional<int>* out) const;
  absl::Status Uint64(const char* key, uint64_t* out) const;
  absl::Status Bool(const char* key, bool* out) const;
  absl::Status Time(const char* key, absl::Time* out,
                    bool required = false) const;
  absl::Status OptionalTime(const char* key,
                            std::optional<absl::Time>* out) const;
  absl::Status StringMap(const char* key,
                         std::map<std::string, std::string>* out) const;
  // Any JSON object, kept whole.
  absl::Status Object(const char* key, nlohmann::json* out) const;

  // "<source>: field "<key>": <what>", kDataLoss.
  absl::Status Error(absl::string_view key, absl::string_view what) const;

 private:
  // The member, or nullptr if absent or null.
  const nlohmann::json* Find(const char* key) const;
  absl::Status Missing(const char* key) const;
  absl::Status WrongType(const char* key, absl::string_view expected,
                         const nlohmann::json& got) const;

  const nlohmann::json& obj_;
  std::string source_;
};

}  // namespace crate::engine

#endif  // CRATE_API_ENGINE_JSON_FIELDS_H_
