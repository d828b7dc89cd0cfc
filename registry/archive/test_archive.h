// Builds small images and image archives for tests: layers from tar
// entries, a truthful config and OCI manifest for them, and the entries of
// an oci-archive or docker-archive holding them, which a test may change
// (a lying blob, a hostile name) before it writes them with WriteTar.
#ifndef CRATE_REGISTRY_ARCHIVE_TEST_ARCHIVE_H_
#define CRATE_REGISTRY_ARCHIVE_TEST_ARCHIVE_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "registry/image/platform.h"
#include "registry/reference/digest.h"
#include "registry/unpack/test_tar.h"

namespace crate::registry::testing {

struct TestLayer {
  std::string blob;        // as stored: compressed or not
  std::string media_type;  // the OCI layer type
  Digest digest;           // of blob
  Digest diff_id;          // of the uncompressed tar
};

// A layer of `entries`, made in `scratch_dir`.
absl::StatusOr<TestLayer> MakeLayer(const std::vector<TarEntry>& entries,
                                    Compression compression,
                                    const std::string& scratch_dir);

struct TestImage {
  std::string config;
  Digest config_digest;
  std::string manifest;  // OCI
  Digest manifest_digest;
  std::vector<TestLayer> layers;
};

// An image of `layers` whose config (Cmd ["sh"]) and manifest describe
// them truthfully; `diff_ids`, when given, replaces the config's.
TestImage MakeImage(const std::vector<TestLayer>& layers,
                    const Platform& platform = HostPlatform(),
                    const std::vector<Digest>& diff_ids = {});

// blobs/sha256/<hex of data> holding `data`.
TarEntry BlobEntry(const std::string& data);

// An oci-archive: oci-layout, index.json listing each image under its
// ref.name (none when empty), and every blob once.
std::vector<TarEntry> OciArchive(
    const std::vector<std::pair<TestImage, std::string>>& images);

// A docker-archive as `docker save` wrote it before Docker 25: per layer
// "<diff_id hex>/layer.tar" holding the blob as it is (uncompressed layers
// for a faithful one), "<config hex>.json", and manifest.json with each
// image's RepoTags.
std::vector<TarEntry> DockerArchive(
    const std::vector<std::pair<TestImage, std::vector<std::string>>>& images);

// A layer of `n` regular files of a few bytes, plus bin/sh, so that
// images differ.
std::vector<TarEntry> SmallTree(const std::string& tag, int n = 2);

}  // namespace crate::registry::testing

#endif  // CRATE_REGISTRY_ARCHIVE_TEST_ARCHIVE_H_
