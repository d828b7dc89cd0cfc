#include "registry/archive/test_archive.h"

#include <set>

#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"
#include "registry/archive/docker_archive.h"
#include "registry/archive/oci_layout.h"
#include "registry/image/media_types.h"
#include "runtime/base/file_util.h"
#include "runtime/base/status_macros.h"

namespace crate::registry::testing {
namespace {

absl::StatusOr<std::string> TarBytes(const std::vector<TarEntry>& entries,
                                     Compression compression,
                                     const std::string& path) {
  RETURN_IF_ERROR(WriteTar(path, entries, compression));
  return ReadFile(path, 1 << 30);
}

}  // namespace

absl::StatusOr<TestLayer> MakeLayer(const std::vector<TarEntry>& entries,
                                    Compression compression,
                                    const std::string& scratch_dir) {
  static int counter = 0;
  const std::string base =
      JoinPath(scratch_dir, absl::StrCat("layer-", ++counter));
  TestLayer layer;
  ASSIGN_OR_RETURN(std::string plain,
                   TarBytes(entries, Compression::kNone, base + ".tar"));
  layer.diff_id = Digest::Sha256Of(plain);
  if (compression == Compression::kNone) {
    layer.blob = std::move(plain);
    layer.media_type = std::string(kOciLayerTar);
  } else {
    ASSIGN_OR_RETURN(layer.blob, TarBytes(entries, compression, base + ".tz"));
    layer.media_type = std::string(
        compression == Compression::kGzip ? kOciLayerGzip : kOciLayerZstd);
  }
  layer.digest = Digest::Sha256Of(layer.blob);
  return layer;
}

TestImage MakeImage(const std::vector<TestLayer>& layers,
                    const Platform& platform,
                    const std::vector<Digest>& diff_ids) {
  TestImage image;
  image.layers = layers;
  nlohmann::ordered_json config;
  config["architecture"] = platform.architecture;
  config["os"] = platform.os;
  if (!platform.variant.empty()) config["variant"] = platform.variant;
  config["config"] = {{"Cmd", {"sh"}}, {"Env", {"PATH=/bin"}}};
  nlohmann::ordered_json ids = nlohmann::ordered_json::array();
  if (diff_ids.empty()) {
    for (const TestLayer& l : layers) ids.push_back(l.diff_id.ToString());
  } else {
    for (const Digest& d : diff_ids) ids.push_back(d.ToString());
  }
  config["rootfs"] = {{"type", "layers"}, {"diff_ids", ids}};
  image.config = config.dump();
  image.config_digest = Digest::Sha256Of(image.config);
  nlohmann::ordered_json m;
  m["schemaVersion"] = 2;
  m["mediaType"] = kOciManifest;
  m["config"] = {{"mediaType", kOciConfig},
                 {"digest", image.config_digest.ToString()},
                 {"size", image.config.size()}};
  m["layers"] = nlohmann::ordered_json::array();
  for (const TestLayer& l : layers) {
    m["layers"].push_back({{"mediaType", l.media_type},
                           {"digest", l.digest.ToString()},
                           {"size", l.blob.size()}});
  }
  image.manifest = m.dump();
  image.manifest_digest = Digest::Sha256Of(image.manifest);
  return image;
}

TarEntry BlobEntry(const std::string& data) {
  return File(OciBlobPath(Digest::Sha256Of(data)), data);
}

std::vector<TarEntry> OciArchive(
    const std::vector<std::pair<TestImage, std::string>>& images) {
  std::vector<TarEntry> entries = {
      File(std::string(kOciLayoutFile), OciLayoutJson()), Dir("blobs"),
      Dir("blobs/sha256")};
  std::set<Digest> written;
  auto blob = [&](const std::string& data) {
    if (written.insert(Digest::Sha256Of(data)).second) {
      entries.push_back(BlobEntry(data));
    }
  };
  std::vector<Descriptor> index;
  for (const auto& [image, name] : images) {
    for (const TestLayer& l : image.layers) blob(l.blob);
    blob(image.config);
    blob(image.manifest);
    Descriptor d;
    d.media_type = nlohmann::json::parse(image.manifest)
                       .value("mediaType", std::string(kOciManifest));
    d.digest = image.manifest_digest;
    d.size = static_cast<int64_t>(image.manifest.size());
    if (!name.empty()) d.annotations[std::string(kRefNameAnnotation)] = name;
    index.push_back(std::move(d));
  }
  entries.push_back(File(std::string(kOciIndexFile), OciIndexJson(index)));
  return entries;
}

std::vector<TarEntry> DockerArchive(
    const std::vector<std::pair<TestImage, std::vector<std::string>>>& images) {
  std::vector<TarEntry> entries;
  std::set<std::string> written;
  std::vector<DockerArchiveImage> manifest;
  for (const auto& [image, tags] : images) {
    DockerArchiveImage entry;
    for (const TestLayer& l : image.layers) {
      const std::string dir = l.diff_id.hex();
      const std::string name = dir + "/layer.tar";
      if (written.insert(name).second) {
        entries.push_back(Dir(dir));
        entries.push_back(File(name, l.blob));
      }
      entry.layers.push_back(name);
    }
    entry.config = image.config_digest.hex() + ".json";
    if (written.insert(entry.config).second) {
      entries.push_back(File(entry.config, image.config));
    }
    entry.repo_tags = tags;
    manifest.push_back(std::move(entry));
  }
  entries.push_back(File(std::string(kDockerManifestFile),
                         DockerArchiveManifestJson(manifest)));
  return entries;
}

std::vector<TarEntry> SmallTree(const std::string& tag, int n) {
  std::vector<TarEntry> entries = {Dir("bin"), File("bin/sh", "#!" + tag, 0755),
                                   Dir("etc")};
  for (int i = 0; i < n; ++i) {
    entries.push_back(
        File(absl::StrCat("etc/", tag, "-", i), absl::StrCat(tag, " ", i)));
  }
  return entries;
}

}  // namespace crate::registry::testing
