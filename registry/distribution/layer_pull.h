// Pulls layers into the content store and their snapshots in one pass: the
// bytes are hashed, stored and unpacked while they download, and the
// snapshot becomes visible only once both the blob digest and the DiffID
// are verified.
#ifndef CRATE_REGISTRY_DISTRIBUTION_LAYER_PULL_H_
#define CRATE_REGISTRY_DISTRIBUTION_LAYER_PULL_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "registry/content/content_store.h"
#include "registry/distribution/client.h"
#include "registry/unpack/layer.h"
#include "registry/unpack/snapshot.h"

namespace crate::registry {

struct LayerToPull {
  std::string digest;  // Of the compressed blob, from the manifest.
  int64_t size = -1;
  std::string diff_id;      // From the config's rootfs.diff_ids.
  std::string chain_id;     // ChainIds() of the diff IDs up to this layer.
  std::string description;  // "layer 2 of 127.0.0.1:5000/x:latest"
  // Told the blob bytes stored so far (a resumed download starts where the
  // partial blob ended) as they arrive, from the downloading thread; not
  // called for a blob that was stored already.
  std::function<void(uint64_t done)> on_bytes;
};

struct PullTarget {
  RegistryClient* client = nullptr;
  ContentStore* content = nullptr;
  SnapshotStore* snapshots = nullptr;
  std::string host;
  std::string repository;
};

// Makes the layer's blob and snapshot present. A blob already in the store
// is unpacked from there; a partial ingest is resumed and then unpacked. The
// caller holds a Lease of the content store. `options.layer_name` is set
// from the layer's description.
absl::Status PullLayer(const PullTarget& target, const LayerToPull& layer,
                       ApplyOptions options = {});

// PullLayer for several layers, `parallel` at a time. One status each.
std::vector<absl::Status> PullLayers(const PullTarget& target,
                                     const std::vector<LayerToPull>& layers,
                                     const ApplyOptions& options, int parallel);

}  // namespace crate::registry

#endif  // CRATE_REGISTRY_DISTRIBUTION_LAYER_PULL_H_
