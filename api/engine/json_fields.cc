#include "api/engine/json_fields.h"

#include <limits>

#include "absl/strings/str_cat.h"

namespace crate::engine {
namespace {

// A value as it appears in the file, cut short for a message.
std::string Show(const nlohmann::json& v) {
  std::string s = v.dump();
  if (s.size() > 64) s = absl::StrCat(s.substr(0, 61), "...");
  return s;
}

}  // namespace

std::string FormatRecordTime(absl::Time t) {
  // RFC3339_full would print "+00:00"; docker and the CRI print "Z".
  return absl::FormatTime("%Y-%m-%d%ET%H:%M:%E*SZ", t, absl::UTCTimeZone());
}

absl::StatusOr<nlohmann::json> ParseRecordObject(absl::string_view text,
                                                 absl::string_view source) {
  nlohmann::json j = nlohmann::json::parse(text.begin(), text.end(),
                                           /*cb=*/nullptr,
                                           /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    return absl::DataLossError(
        absl::StrCat(source, ": not valid JSON (a damaged or empty file)"));
  }
  if (!j.is_object()) {
    return absl::DataLossError(
        absl::StrCat(source, ": expected a JSON object, got ", j.type_name()));
  }
  return j;
}

const nlohmann::json* JsonFields::Find(const char* key) const {
  auto it = obj_.find(key);
  if (it == obj_.end() || it->is_null()) return nullptr;
  return &*it;
}

absl::Status JsonFields::Error(absl::string_view key,
                               absl::string_view what) const {
  return absl::DataLossError(
      absl::StrCat(source_, ": field \"", key, "\": ", what));
}

absl::Status JsonFields::Missing(const char* key) const {
  return Error(key, "missing");
}

absl::Status JsonFields::WrongType(const char* key, absl::string_view expected,
                                   const nlohmann::json& got) const {
  return Error(key, absl::StrCat("expected ", expected, ", got ",
                                 got.type_name(), " ", Show(got)));
}

absl::Status JsonFields::String(const char* key, std::string* out,
                                bool required) const {
  const nlohmann::json* v = Find(key);
  if (v == nullptr) return required ? Missing(key) : absl::OkStatus();
  if (!v->is_string()) return WrongType(key, "a string", *v);
  *out = v->get<std::string>();
  return absl::OkStatus();
}

absl::Status JsonFields::Int64(const char* key, int64_t* out,
                               bool required) const {
  const nlohmann::json* v = Find(key);
  if (v == nullptr) return required ? Missing(key) : absl::OkStatus();
  if (!v->is_number_integer()) return WrongType(key, "an integer", *v);
  if (v->is_number_unsigned() &&
      v->get<uint64_t>() >
          static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return Error(key, absl::StrCat("value ", Show(*v), " is out of range"));
  }
  *out = v->get<int64_t>();
  return absl::OkStatus();
}

absl::Status JsonFields::Int(const char* key, int* out) const {
  std::optional<int> v;
  absl::Status s = OptionalInt(key, &v);
  if (s.ok() && v) *out = *v;
  return s;
}

absl::Status JsonFields::OptionalInt(const char* key,
                                     std::optional<int>* out) const {
  if (Find(key) == nullptr) return absl::OkStatus();
  int64_t wide = 0;
  absl::Status s = Int64(key, &wide);
  if (!s.ok()) return s;
  if (wide < std::numeric_limits<int>::min() ||
      wide > std::numeric_limits<int>::max()) {
    return Error(key, absl::StrCat("value ", wide, " is out of range"));
  }
  *out = static_cast<int>(wide);
  return absl::OkStatus();
}

absl::Status JsonFields::Uint64(const char* key, uint64_t* out) const {
  const nlohmann::json* v = Find(key);
  if (v == nullptr) return absl::OkStatus();
  if (!v->is_number_unsigned()) {
    return WrongType(key, "a non-negative integer", *v);
  }
  *out = v->get<uint64_t>();
  return absl::OkStatus();
}

absl::Status JsonFields::Bool(const char* key, bool* out) const {
  const nlohmann::json* v = Find(key);
  if (v == nullptr) return absl::OkStatus();
  if (!v->is_boolean()) return WrongType(key, "true or false", *v);
  *out = v->get<bool>();
  return absl::OkStatus();
}

absl::Status JsonFields::Time(const char* key, absl::Time* out,
                              bool required) const {
  std::optional<absl::Time> t;
  absl::Status s = OptionalTime(key, &t);
  if (!s.ok()) return s;
  if (t) {
    *out = *t;
  } else if (required) {
    return Missing(key);
  }
  return absl::OkStatus();
}

absl::Status JsonFields::OptionalTime(const char* key,
                                      std::optional<absl::Time>* out) const {
  const nlohmann::json* v = Find(key);
  if (v == nullptr) return absl::OkStatus();
  if (!v->is_string()) return WrongType(key, "an RFC 3339 time", *v);
  absl::Time t;
  std::string err;
  if (!absl::ParseTime(absl::RFC3339_full, v->get<std::string>(), &t, &err)) {
    return Error(key, absl::StrCat("expected an RFC 3339 time, got ", Show(*v),
                                   " (", err, ")"));
  }
  *out = t;
  return absl::OkStatus();
}

absl::Status JsonFields::StringMap(
    const char* key, std::map<std::string, std::string>* out) const {
  const nlohmann::json* v = Find(key);
  if (v == nullptr) return absl::OkStatus();
  if (!v->is_object()) return WrongType(key, "an object of strings", *v);
  std::map<std::string, std::string> m;
  for (auto it = v->begin(); it != v->end(); ++it) {
    if (!it.value().is_string()) {
      return Error(key, absl::StrCat("value of \"", it.key(),
                                     "\": expected a string, got ",
                                     it.value().type_name()));
    }
    m[it.key()] = it.value().get<std::string>();
  }
  *out = std::move(m);
  return absl::OkStatus();
}

absl::Status JsonFields::Object(const char* key, nlohmann::json* out) const {
  const nlohmann::json* v = Find(key);
  if (v == nullptr) return absl::OkStatus();
  if (!v->is_object()) return WrongType(key, "an object", *v);
  *out = *v;
  return absl::OkStatus();
}

}  // namespace crate::engine
