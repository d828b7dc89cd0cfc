#include "runtime/cgroups/systemd/properties.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace crate {
namespace cgroups {
namespace systemd {

Value Value::String(std::string v) {
  Value out;
  out.type = Type::kString;
  out.s = std::move(v);
  return out;
}

Value Value::Bool(bool v) {
  Value out;
  out.type = Type::kBool;
  out.b = v;
  return out;
}

Value Value::Uint64(uint64_t v) {
  Value out;
  out.type = Type::kUint64;
  out.t = v;
  return out;
}

Value Value::Int64(int64_t v) {
  Value out;
  out.type = Type::kInt64;
  out.x = v;
  return out;
}

Value Value::Uint32(uint32_t v) {
  Value out;
  out.type = Type::kUint32;
  out.t = v;
  return out;
}

Value Value::Int32(int32_t v) {
  Value out;
  out.type = Type::kInt32;
  out.x = v;
  return out;
}

Value Value::Uint32Array(std::vector<uint32_t> v) {
  Value out;
  out.type = Type::kUint32Array;
  out.au = std::move(v);
  return out;
}

Value Value::Bytes(std::vector<uint8_t> v) {
  Value out;
  out.type = Type::kBytes;
  out.ay = std::move(v);
  return out;
}

Value Value::StringPairs(std::vector<std::pair<std::string, std::string>> v) {
  Value out;
  out.type = Type::kStringPairs;
  out.pairs = std::move(v);
  return out;
}

const char* Value::Signature() const {
  switch (type) {
    case Type::kString:
      return "s";
    case Type::kBool:
      return "b";
    case Type::kUint64:
      return "t";
    case Type::kInt64:
      return "x";
    case Type::kUint32:
      return "u";
    case Type::kInt32:
      return "i";
    case Type::kUint32Array:
      return "au";
    case Type::kBytes:
      return "ay";
    case Type::kStringPairs:
      return "a(ss)";
  }
  return "";
}

std::string PropertyToString(const Property& p) {
  const Value& v = p.value;
  std::string out = absl::StrCat(p.name, "=", v.Signature(), " ");
  switch (v.type) {
    case Value::Type::kString:
      absl::StrAppend(&out, v.s);
      break;
    case Value::Type::kBool:
      absl::StrAppend(&out, v.b ? "true" : "false");
      break;
    case Value::Type::kUint64:
    case Value::Type::kUint32:
      absl::StrAppend(&out, v.t);
      break;
    case Value::Type::kInt64:
    case Value::Type::kInt32:
      absl::StrAppend(&out, v.x);
      break;
    case Value::Type::kUint32Array:
      absl::StrAppend(&out, "[", absl::StrJoin(v.au, ", "), "]");
      break;
    case Value::Type::kBytes:
      for (uint8_t byte : v.ay) {
        absl::StrAppend(&out, absl::Hex(byte, absl::kZeroPad2));
      }
      break;
    case Value::Type::kStringPairs:
      absl::StrAppend(
          &out, "[",
          absl::StrJoin(v.pairs, ", ",
                        [](std::string* o,
                           const std::pair<std::string, std::string>& kv) {
                          absl::StrAppend(o, kv.first, " ", kv.second);
                        }),
          "]");
      break;
  }
  return out;
}

std::string PropertiesToString(const std::vector<Property>& ps) {
  std::string out;
  for (const Property& p : ps) absl::StrAppend(&out, PropertyToString(p), "\n");
  return out;
}

}  // namespace systemd
}  // namespace cgroups
}  // namespace crate
