#include "runtime/oci/json_reader.h"

namespace crate::oci::json_reader {
namespace {

const char* TypeName(const Json& v) {
  switch (v.type()) {
    case Json::value_t::null:
      return "null";
    case Json::value_t::object:
      return "object";
    case Json::value_t::array:
      return "array";
    case Json::value_t::string:
      return "string";
    case Json::value_t::boolean:
      return "boolean";
    case Json::value_t::number_float:
      return "number";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
      return "integer";
    default:
      return "value";
  }
}

}  // namespace

std::string Field(absl::string_view parent, absl::string_view key) {
  if (parent.empty()) return std::string(key);
  return absl::StrCat(parent, ".", key);
}

std::string Index(absl::string_view parent, size_t i) {
  return absl::StrCat(parent, "[", i, "]");
}

std::string Show(const Json& v) {
  std::string s = v.dump(-1, ' ', false, Json::error_handler_t::replace);
  constexpr size_t kMax = 80;
  if (s.size() > kMax) {
    s.resize(kMax - 3);
    s += "...";
  }
  return s;
}

absl::Status Invalid(absl::string_view path, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(path, ": ", what));
}

absl::Status WrongType(absl::string_view path, absl::string_view expected,
                       const Json& v) {
  return Invalid(path,
                 absl::StrCat("expected ", expected, ", got ", TypeName(v),
                              v.is_object() || v.is_array() ? "" : " ",
                              v.is_object() || v.is_array() ? "" : Show(v)));
}

const Json* Find(const Json& obj, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return nullptr;
  return &*it;
}

absl::Status GetString(const Json& obj, absl::string_view parent,
                       const char* key, std::string* out, bool required) {
  const Json* v = Find(obj, key);
  if (v == nullptr) {
    if (required) return Invalid(Field(parent, key), "required");
    return absl::OkStatus();
  }
  if (!v->is_string()) return WrongType(Field(parent, key), "string", *v);
  *out = v->get<std::string>();
  return absl::OkStatus();
}

absl::Status GetBool(const Json& obj, absl::string_view parent, const char* key,
                     bool* out, bool required) {
  const Json* v = Find(obj, key);
  if (v == nullptr) {
    if (required) return Invalid(Field(parent, key), "required");
    return absl::OkStatus();
  }
  if (!v->is_boolean()) return WrongType(Field(parent, key), "boolean", *v);
  *out = v->get<bool>();
  return absl::OkStatus();
}

absl::Status GetBool(const Json& obj, absl::string_view parent, const char* key,
                     absl::optional<bool>* out) {
  const Json* v = Find(obj, key);
  if (v == nullptr) return absl::OkStatus();
  if (!v->is_boolean()) return WrongType(Field(parent, key), "boolean", *v);
  *out = v->get<bool>();
  return absl::OkStatus();
}

absl::Status GetStrings(const Json& obj, absl::string_view parent,
                        const char* key, std::vector<std::string>* out,
                        bool required) {
  const Json* v = Find(obj, key);
  std::string path = Field(parent, key);
  if (v == nullptr) {
    if (required) return Invalid(path, "required");
    return absl::OkStatus();
  }
  if (!v->is_array()) return WrongType(path, "array of strings", *v);
  out->clear();
  out->reserve(v->size());
  for (size_t i = 0; i < v->size(); ++i) {
    const Json& e = (*v)[i];
    if (!e.is_string()) return WrongType(Index(path, i), "string", e);
    out->push_back(e.get<std::string>());
  }
  return absl::OkStatus();
}

absl::Status GetStringMap(const Json& obj, absl::string_view parent,
                          const char* key,
                          std::map<std::string, std::string>* out) {
  const Json* v = Find(obj, key);
  if (v == nullptr) return absl::OkStatus();
  std::string path = Field(parent, key);
  if (!v->is_object()) return WrongType(path, "object of strings", *v);
  for (auto it = v->begin(); it != v->end(); ++it) {
    if (!it.value().is_string()) {
      return WrongType(Field(path, it.key()), "string", it.value());
    }
    (*out)[it.key()] = it.value().get<std::string>();
  }
  return absl::OkStatus();
}

absl::Status GetObject(const Json& obj, absl::string_view parent,
                       const char* key, const Json** out, bool required) {
  *out = Find(obj, key);
  if (*out == nullptr) {
    if (required) return Invalid(Field(parent, key), "required");
    return absl::OkStatus();
  }
  if (!(*out)->is_object())
    return WrongType(Field(parent, key), "object", **out);
  return absl::OkStatus();
}

absl::Status GetArray(const Json& obj, absl::string_view parent,
                      const char* key, const Json** out, bool required) {
  *out = Find(obj, key);
  if (*out == nullptr) {
    if (required) return Invalid(Field(parent, key), "required");
    return absl::OkStatus();
  }
  if (!(*out)->is_array()) return WrongType(Field(parent, key), "array", **out);
  return absl::OkStatus();
}

}  // namespace crate::oci::json_reader
