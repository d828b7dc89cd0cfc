// Typed, path-aware reads from a nlohmann::json tree. Every error is
// kInvalidArgument and starts with the JSON path of the field, so that a user
// can find the offending line of config.json or state.json.
//
// `null` counts as absent, as it does for the Go runtimes whose files we read.
#ifndef CRATE_RUNTIME_OCI_JSON_READER_H_
#define CRATE_RUNTIME_OCI_JSON_READER_H_

#include <cstdint>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <type_traits>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/types/optional.h"

namespace crate::oci::json_reader {

using Json = nlohmann::json;

// "a.b", "a[3]".
std::string Field(absl::string_view parent, absl::string_view key);
std::string Index(absl::string_view parent, size_t i);

// The value as it appears in JSON, shortened for messages.
std::string Show(const Json& v);

// "path: what".
absl::Status Invalid(absl::string_view path, absl::string_view what);
// "path: expected <expected>, got <type> <value>".
absl::Status WrongType(absl::string_view path, absl::string_view expected,
                       const Json& v);

// The member `key` of `obj`, or nullptr if missing or null.
const Json* Find(const Json& obj, const char* key);

// Reads member `key` of object `obj` (whose path is `parent`). Absent
// members leave `out` unchanged unless `required`, which is an error.
absl::Status GetString(const Json& obj, absl::string_view parent,
                       const char* key, std::string* out,
                       bool required = false);
absl::Status GetBool(const Json& obj, absl::string_view parent, const char* key,
                     bool* out, bool required = false);
absl::Status GetBool(const Json& obj, absl::string_view parent, const char* key,
                     absl::optional<bool>* out);
absl::Status GetStrings(const Json& obj, absl::string_view parent,
                        const char* key, std::vector<std::string>* out,
                        bool required = false);
absl::Status GetStringMap(const Json& obj, absl::string_view parent,
                          const char* key,
                          std::map<std::string, std::string>* out);
// Sets *out to the member if it is an object / array, nullptr if absent.
absl::Status GetObject(const Json& obj, absl::string_view parent,
                       const char* key, const Json** out,
                       bool required = false);
absl::Status GetArray(const Json& obj, absl::string_view parent,
                      const char* key, const Json** out, bool required = false);

// Integer conversion with a range check against T.
template <typename T>
absl::Status ToInt(const Json& v, absl::string_view path, T* out) {
  static_assert(std::is_integral<T>::value, "integers only");
  if (!v.is_number_integer()) return WrongType(path, "integer", v);
  if (v.is_number_unsigned()) {
    uint64_t u = v.get<uint64_t>();
    if (u > static_cast<uint64_t>(std::numeric_limits<T>::max())) {
      return Invalid(path, absl::StrCat("value ", u, " is out of range"));
    }
    *out = static_cast<T>(u);
    return absl::OkStatus();
  }
  int64_t s = v.get<int64_t>();
  if (std::is_unsigned<T>::value ||
      s < static_cast<int64_t>(std::numeric_limits<T>::min())) {
    return Invalid(path, absl::StrCat("value ", s, " is out of range"));
  }
  *out = static_cast<T>(s);
  return absl::OkStatus();
}

template <typename T>
absl::Status GetInt(const Json& obj, absl::string_view parent, const char* key,
                    T* out, bool required = false) {
  const Json* v = Find(obj, key);
  if (v == nullptr) {
    if (required) return Invalid(Field(parent, key), "required");
    return absl::OkStatus();
  }
  return ToInt(*v, Field(parent, key), out);
}

template <typename T>
absl::Status GetInt(const Json& obj, absl::string_view parent, const char* key,
                    absl::optional<T>* out) {
  const Json* v = Find(obj, key);
  if (v == nullptr) return absl::OkStatus();
  T value{};
  absl::Status s = ToInt(*v, Field(parent, key), &value);
  if (s.ok()) *out = value;
  return s;
}

}  // namespace crate::oci::json_reader

#endif  // CRATE_RUNTIME_OCI_JSON_READER_H_
