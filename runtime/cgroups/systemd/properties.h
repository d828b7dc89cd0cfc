// systemd unit properties as D-Bus values: the few types systemd's
// resource-control properties use. Plain data, so the planner that makes
// them can be checked without a bus.
#ifndef CRATE_RUNTIME_CGROUPS_SYSTEMD_PROPERTIES_H_
#define CRATE_RUNTIME_CGROUPS_SYSTEMD_PROPERTIES_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace crate {
namespace cgroups {
namespace systemd {

struct Value {
  enum class Type {
    kString,       // "s"
    kBool,         // "b"
    kUint64,       // "t"
    kInt64,        // "x"
    kUint32,       // "u"
    kInt32,        // "i"
    kUint32Array,  // "au" (PIDs)
    kBytes,        // "ay" (AllowedCPUs, AllowedMemoryNodes)
    kStringPairs,  // "a(ss)" (DeviceAllow)
  };
  Type type = Type::kString;
  std::string s;
  bool b = false;
  uint64_t t = 0;
  int64_t x = 0;  // kInt64 and kInt32.
  std::vector<uint32_t> au;
  std::vector<uint8_t> ay;
  std::vector<std::pair<std::string, std::string>> pairs;

  static Value String(std::string v);
  static Value Bool(bool v);
  static Value Uint64(uint64_t v);
  static Value Int64(int64_t v);
  static Value Uint32(uint32_t v);
  static Value Int32(int32_t v);
  static Value Uint32Array(std::vector<uint32_t> v);
  static Value Bytes(std::vector<uint8_t> v);
  static Value StringPairs(std::vector<std::pair<std::string, std::string>> v);

  // The D-Bus signature of the variant's content ("t", "a(ss)", ...).
  const char* Signature() const;
};

struct Property {
  std::string name;
  Value value;
};

// "MemoryMax=t 1048576", "PIDs=au [42]", "AllowedCPUs=ay 0f",
// "DeviceAllow=a(ss) [/dev/null rwm, char-pts rwm]": for tests and errors.
std::string PropertyToString(const Property& p);
std::string PropertiesToString(const std::vector<Property>& ps);

}  // namespace systemd
}  // namespace cgroups
}  // namespace crate

#endif  // CRATE_RUNTIME_CGROUPS_SYSTEMD_PROPERTIES_H_
