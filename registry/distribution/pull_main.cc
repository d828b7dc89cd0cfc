// pull-layers: pulls an image's layers into a content store and snapshots,
// for debugging and for tests/bench/pull_bench.sh (--crate-pull).
//   pull-layers IMAGE DESTDIR       (IMAGE as docker names it)
// DESTDIR gets content/ and snapshots/. The manifest handling is minimal
// (first linux entry of the host architecture in an index); the image
// library's models do this properly for `crate pull`.
#include <sys/utsname.h>

#include <chrono>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "registry/distribution/client.h"
#include "registry/distribution/layer_pull.h"
#include "runtime/base/file_util.h"
#include "runtime/base/status_macros.h"

namespace crate::registry {
namespace {

std::string HostArch() {
  struct utsname u;
  uname(&u);
  std::string m = u.machine;
  if (m == "x86_64") return "amd64";
  if (m == "aarch64") return "arm64";
  return m;
}

absl::Status Pull(const std::string& image, const std::string& dest) {
  ASSIGN_OR_RETURN(Reference ref, Reference::ParseDockerRef(image));
  const std::string& host = ref.domain();
  const std::string& repo = ref.path();
  RegistryConfig config;
  config.auth_files = {DockerConfigPath()};
  ASSIGN_OR_RETURN(std::unique_ptr<RegistryClient> client,
                   RegistryClient::Create(config));
  ASSIGN_OR_RETURN(FetchedManifest m, client->GetManifest(ref));
  nlohmann::json j = nlohmann::json::parse(m.bytes);
  if (j.contains("manifests")) {
    std::string chosen;
    for (const auto& d : j["manifests"]) {
      if (d.contains("platform") && d["platform"].value("os", "") == "linux" &&
          d["platform"].value("architecture", "") == HostArch()) {
        chosen = d["digest"];
        break;
      }
    }
    if (chosen.empty()) {
      return absl::NotFoundError(
          absl::StrCat(image, ": no linux/", HostArch()));
    }
    ASSIGN_OR_RETURN(m, client->GetManifest(host, repo, chosen));
    j = nlohmann::json::parse(m.bytes);
  }
  StringSink config_blob;
  RETURN_IF_ERROR(client->FetchBlob(host, repo, j["config"]["digest"],
                                    j["config"]["size"], &config_blob));
  nlohmann::json cfg = nlohmann::json::parse(config_blob.data());
  std::vector<std::string> diff_ids = cfg["rootfs"]["diff_ids"];
  ASSIGN_OR_RETURN(std::vector<std::string> chain_ids, ChainIds(diff_ids));
  if (diff_ids.size() != j["layers"].size()) {
    return absl::InvalidArgumentError(
        absl::StrCat(image, ": layers and diff_ids differ in number"));
  }
  ASSIGN_OR_RETURN(ContentStore content,
                   ContentStore::Open(JoinPath(dest, "content")));
  ASSIGN_OR_RETURN(std::unique_ptr<SnapshotStore> snapshots,
                   SnapshotStore::Open(JoinPath(dest, "snapshots")));
  ASSIGN_OR_RETURN(Lease lease, content.AcquireLease());
  std::vector<LayerToPull> layers;
  for (size_t i = 0; i < diff_ids.size(); ++i) {
    LayerToPull l;
    l.digest = j["layers"][i]["digest"];
    l.size = j["layers"][i]["size"];
    l.diff_id = diff_ids[i];
    l.chain_id = chain_ids[i];
    l.description = absl::StrCat("layer ", i + 1, " of ", image);
    layers.push_back(l);
  }
  PullTarget target{client.get(), &content, snapshots.get(), host, repo};
  std::vector<absl::Status> results =
      PullLayers(target, layers, {}, config.parallel_downloads);
  for (const absl::Status& s : results) RETURN_IF_ERROR(s);
  for (const std::string& id : chain_ids) std::cout << id << "\n";
  return absl::OkStatus();
}

}  // namespace
}  // namespace crate::registry

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: pull-layers IMAGE DESTDIR\n";
    return 2;
  }
  auto start = std::chrono::steady_clock::now();
  absl::Status s = crate::registry::Pull(argv[1], argv[2]);
  if (!s.ok()) {
    std::cerr << "pull-layers: " << s.message() << "\n";
    return 1;
  }
  std::cerr << "pulled in "
            << std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                             start)
                   .count()
            << " s\n";
  return 0;
}
