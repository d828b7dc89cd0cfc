#include "api/engine/disk_usage.h"

#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "runtime/base/file_util.h"
#include "runtime/base/status_macros.h"

namespace crate::engine {
namespace {

absl::StatusOr<ImageParts> PartsOf(Engine& engine,
                                   const registry::ImageSummary& summary,
                                   const registry::ImageUsersFn& users,
                                   TreeUsage& counter,
                                   std::map<std::string, uint64_t>& snapshots) {
  const registry::ImageRecord& r = summary.record;
  ImageParts image;
  image.item.id = r.config_digest.ToString();
  image.item.name = summary.tags.empty() ? "" : summary.tags.front();
  image.item.containers = static_cast<int>(users(r).size());
  image.item.in_use = image.item.containers > 0;
  uint64_t layer_blobs = 0;
  for (size_t i = 0; i < r.layers.size(); ++i) {
    uint64_t size = i < r.layer_sizes.size() ? r.layer_sizes[i] : 0;
    layer_blobs += size;
    image.parts.push_back(
        {absl::StrCat("blob:", r.layers[i].ToString()), size});
  }
  // The manifest and config: record.size is they and the layer blobs.
  image.parts.push_back({absl::StrCat("meta:", r.manifest_digest.ToString()),
                         r.size > layer_blobs ? r.size - layer_blobs : 0});
  ASSIGN_OR_RETURN(registry::Image loaded,
                   engine.images().Inspect(r.manifest_digest.ToString()));
  for (const registry::Digest& chain : loaded.chain_ids) {
    const std::string id = chain.ToString();
    auto known = snapshots.find(id);
    if (known == snapshots.end()) {
      uint64_t bytes = 0;
      absl::StatusOr<std::string> fs = engine.images().snapshots().FsDir(id);
      if (fs.ok()) {
        ASSIGN_OR_RETURN(bytes, counter.Add(*fs));
      }
      known = snapshots.emplace(id, bytes).first;
    }
    image.parts.push_back({absl::StrCat("snapshot:", id), known->second});
  }
  return image;
}

}  // namespace

void SumImages(const std::vector<ImageParts>& images, DiskUsage* out) {
  std::map<std::string, int> users;  // part -> images using it
  std::set<std::string> in_use;      // parts of images in use
  std::map<std::string, uint64_t> bytes;
  for (const ImageParts& image : images) {
    std::set<std::string> own;  // an image naming a part twice uses it once
    for (const auto& [key, size] : image.parts) {
      if (!own.insert(key).second) continue;
      ++users[key];
      bytes[key] = size;
      if (image.item.in_use) in_use.insert(key);
    }
  }
  for (const auto& [key, size] : bytes) {
    out->images_bytes += size;
    if (!in_use.count(key)) out->images_reclaimable += size;
  }
  for (const ImageParts& image : images) {
    UsageItem item = image.item;
    item.size = item.shared = 0;
    std::set<std::string> own;
    for (const auto& [key, size] : image.parts) {
      if (!own.insert(key).second) continue;
      item.size += size;
      if (users[key] > 1) item.shared += size;
    }
    out->images.push_back(std::move(item));
  }
}

absl::StatusOr<uint64_t> ContainerBytes(Engine& engine,
                                        const ContainerInfo& container,
                                        TreeUsage& counter) {
  const std::string writable =
      JoinPath(JoinPath(engine.images().snapshots().root(), "containers"),
               container.record.id);
  ASSIGN_OR_RETURN(uint64_t total, counter.Add(writable));
  if (!container.log_path.empty()) {
    for (const std::string& log :
         {container.log_path, container.log_path + ".1"}) {
      ASSIGN_OR_RETURN(uint64_t bytes, counter.Add(log));
      total += bytes;
    }
  }
  return total;
}

absl::StatusOr<DiskUsage> ComputeDiskUsage(Engine& engine,
                                           const VolumeSourcesFn& volumes) {
  DiskUsage out;
  TreeUsage counter;

  ASSIGN_OR_RETURN(std::vector<registry::ImageSummary> summaries,
                   engine.images().List());
  std::vector<ImageParts> images;
  std::map<std::string, uint64_t> snapshots;
  const registry::ImageUsersFn users = engine.ImageUsers();
  for (const registry::ImageSummary& s : summaries) {
    absl::StatusOr<ImageParts> parts =
        PartsOf(engine, s, users, counter, snapshots);
    // Removed since the list was read: not there any more.
    if (absl::IsNotFound(parts.status())) continue;
    if (!parts.ok()) return parts.status();
    images.push_back(*std::move(parts));
  }
  SumImages(images, &out);

  ListOptions all;
  all.all = true;
  ASSIGN_OR_RETURN(std::vector<ContainerInfo> containers, engine.List(all));
  for (const ContainerInfo& c : containers) {
    UsageItem item;
    item.id = c.record.id;
    item.name = c.record.name;
    item.in_use = c.status == Status::kRunning;
    ASSIGN_OR_RETURN(item.size, ContainerBytes(engine, c, counter));
    out.containers_bytes += item.size;
    if (!item.in_use) out.containers_reclaimable += item.size;
    out.containers.push_back(std::move(item));
  }

  if (volumes) {
    ASSIGN_OR_RETURN(std::vector<VolumeSource> sources, volumes());
    for (const VolumeSource& v : sources) {
      UsageItem item;
      item.id = item.name = v.name;
      item.containers = v.containers;
      item.in_use = v.containers > 0;
      ASSIGN_OR_RETURN(item.size, counter.Add(v.data_dir));
      out.volumes_bytes += item.size;
      if (!item.in_use) out.volumes_reclaimable += item.size;
      out.volumes.push_back(std::move(item));
    }
  }
  out.truncated = counter.truncated();
  return out;
}

}  // namespace crate::engine
