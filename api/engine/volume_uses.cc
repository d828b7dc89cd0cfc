#include "api/engine/volume_uses.h"

namespace crate::engine {
namespace {

constexpr char kVolumesKey[] = "volumes";

}  // namespace

std::vector<VolumeUse> VolumeUsesOf(const ContainerRecord& record) {
  std::vector<VolumeUse> out;
  auto it = record.config.find(kVolumesKey);
  if (it == record.config.end() || !it->is_array()) return out;
  for (const nlohmann::json& v : *it) {
    if (!v.is_object() || !v.contains("name") || !v["name"].is_string()) {
      continue;
    }
    VolumeUse use;
    use.name = v["name"].get<std::string>();
    if (use.name.empty()) continue;
    if (v.contains("destination") && v["destination"].is_string()) {
      use.destination = v["destination"].get<std::string>();
    }
    if (v.contains("anonymous") && v["anonymous"].is_boolean()) {
      use.anonymous = v["anonymous"].get<bool>();
    }
    out.push_back(std::move(use));
  }
  return out;
}

void SetVolumeUses(ContainerRecord& record,
                   const std::vector<VolumeUse>& uses) {
  nlohmann::json list = nlohmann::json::array();
  for (const VolumeUse& u : uses) {
    list.push_back({{"name", u.name},
                    {"destination", u.destination},
                    {"anonymous", u.anonymous}});
  }
  record.config[kVolumesKey] = std::move(list);
}

bool UsesVolume(const ContainerRecord& record, absl::string_view volume) {
  for (const VolumeUse& u : VolumeUsesOf(record)) {
    if (u.name == volume) return true;
  }
  return false;
}

std::vector<std::string> VolumeUserNames(
    const std::vector<ContainerRecord>& records, absl::string_view volume) {
  std::vector<std::string> out;
  for (const ContainerRecord& r : records) {
    if (UsesVolume(r, volume)) out.push_back(r.name);
  }
  return out;
}

std::vector<std::string> VolumeUserIds(
    const std::vector<ContainerRecord>& records, absl::string_view volume) {
  std::vector<std::string> out;
  for (const ContainerRecord& r : records) {
    if (UsesVolume(r, volume)) out.push_back(r.id);
  }
  return out;
}

}  // namespace crate::engine
