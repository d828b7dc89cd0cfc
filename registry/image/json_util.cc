#include "registry/image/json_util.h"

#include "absl/strings/str_cat.h"

namespace crate::registry::json_internal {
namespace {

absl::Status TypeError(const std::string& path, const char* key,
                       absl::string_view want) {
  return absl::InvalidArgumentError(
      absl::StrCat(Field(path, key), ": expected ", want));
}

const Json* Find(const Json& obj, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return nullptr;
  return &*it;
}

}  // namespace

std::string Field(const std::string& path, absl::string_view key) {
  if (path.empty()) return std::string(key);
  return absl::StrCat(path, ".", key);
}

absl::StatusOr<Json> ParseObject(absl::string_view body) {
  Json j = Json::parse(body.begin(), body.end(), nullptr,
                       /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    // Parse again with exceptions only to get the position of the error.
    try {
      Json ignored = Json::parse(body.begin(), body.end());
      (void)ignored;
    } catch (const Json::exception& e) {
      return absl::InvalidArgumentError(
          absl::StrCat("malformed JSON: ", e.what()));
    }
    return absl::InvalidArgumentError("malformed JSON");
  }
  if (!j.is_object()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "malformed document: expected a JSON object, not ", j.type_name()));
  }
  return j;
}

absl::Status GetString(const Json& obj, const char* key,
                       const std::string& path, std::string* out) {
  const Json* v = Find(obj, key);
  if (v == nullptr) return absl::OkStatus();
  if (!v->is_string()) return TypeError(path, key, "a string");
  *out = v->get<std::string>();
  return absl::OkStatus();
}

absl::Status GetInt(const Json& obj, const char* key, const std::string& path,
                    int64_t* out, bool* present) {
  const Json* v = Find(obj, key);
  if (present != nullptr) *present = v != nullptr;
  if (v == nullptr) return absl::OkStatus();
  if (v->is_number_unsigned()) {
    uint64_t u = v->get<uint64_t>();
    if (u > static_cast<uint64_t>(INT64_MAX)) {
      return TypeError(path, key, "an integer below 2^63");
    }
    *out = static_cast<int64_t>(u);
  } else if (v->is_number_integer()) {
    *out = v->get<int64_t>();
  } else {
    return TypeError(path, key, "an integer");
  }
  return absl::OkStatus();
}

absl::Status GetBool(const Json& obj, const char* key, const std::string& path,
                     bool* out) {
  const Json* v = Find(obj, key);
  if (v == nullptr) return absl::OkStatus();
  if (!v->is_boolean()) return TypeError(path, key, "true or false");
  *out = v->get<bool>();
  return absl::OkStatus();
}

absl::Status GetStringList(const Json& obj, const char* key,
                           const std::string& path,
                           std::vector<std::string>* out) {
  const Json* v = Find(obj, key);
  if (v == nullptr) return absl::OkStatus();
  if (!v->is_array()) return TypeError(path, key, "an array of strings");
  out->clear();
  for (const Json& e : *v) {
    if (!e.is_string()) return TypeError(path, key, "an array of strings");
    out->push_back(e.get<std::string>());
  }
  return absl::OkStatus();
}

absl::Status GetStringMap(const Json& obj, const char* key,
                          const std::string& path,
                          std::map<std::string, std::string>* out) {
  const Json* v = Find(obj, key);
  if (v == nullptr) return absl::OkStatus();
  if (!v->is_object()) {
    return TypeError(path, key, "an object of string values");
  }
  out->clear();
  for (auto it = v->begin(); it != v->end(); ++it) {
    if (!it->is_string()) {
      return TypeError(path, key, "an object of string values");
    }
    (*out)[it.key()] = it->get<std::string>();
  }
  return absl::OkStatus();
}

absl::Status GetKeySet(const Json& obj, const char* key,
                       const std::string& path, std::vector<std::string>* out) {
  const Json* v = Find(obj, key);
  if (v == nullptr) return absl::OkStatus();
  if (!v->is_object()) return TypeError(path, key, "an object");
  out->clear();
  for (auto it = v->begin(); it != v->end(); ++it) out->push_back(it.key());
  return absl::OkStatus();
}

absl::Status GetDigest(const Json& obj, const char* key,
                       const std::string& path, Digest* out) {
  const Json* v = Find(obj, key);
  if (v == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat(Field(path, key), ": missing"));
  }
  if (!v->is_string()) return TypeError(path, key, "a digest string");
  auto d = Digest::Parse(v->get<std::string>());
  if (!d.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(Field(path, key), ": ", d.status().message()));
  }
  *out = *std::move(d);
  return absl::OkStatus();
}

}  // namespace crate::registry::json_internal
