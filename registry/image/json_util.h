// Typed access to nlohmann::json objects for the image parsers: each
// accessor names the field in its error, so a malformed document is reported
// as "layers[1].size: expected a non-negative integer".
#ifndef CRATE_REGISTRY_IMAGE_JSON_UTIL_H_
#define CRATE_REGISTRY_IMAGE_JSON_UTIL_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"
#include "registry/reference/digest.h"

namespace crate::registry::json_internal {

using Json = nlohmann::json;

// Parses `body` into an object; "malformed JSON: ..." otherwise.
absl::StatusOr<Json> ParseObject(absl::string_view body);

// Each Get* returns the default when the field is absent or null, and an
// error when it is present with the wrong type. `path` prefixes errors.
absl::Status GetString(const Json& obj, const char* key,
                       const std::string& path, std::string* out);
absl::Status GetInt(const Json& obj, const char* key, const std::string& path,
                    int64_t* out, bool* present = nullptr);
absl::Status GetBool(const Json& obj, const char* key, const std::string& path,
                     bool* out);
absl::Status GetStringList(const Json& obj, const char* key,
                           const std::string& path,
                           std::vector<std::string>* out);
absl::Status GetStringMap(const Json& obj, const char* key,
                          const std::string& path,
                          std::map<std::string, std::string>* out);
// The keys of an object whose values are {} ("ExposedPorts", "Volumes").
absl::Status GetKeySet(const Json& obj, const char* key,
                       const std::string& path, std::vector<std::string>* out);
absl::Status GetDigest(const Json& obj, const char* key,
                       const std::string& path, Digest* out);

std::string Field(const std::string& path, absl::string_view key);

}  // namespace crate::registry::json_internal

#endif  // CRATE_REGISTRY_IMAGE_JSON_UTIL_H_
