#include "registry/distribution/layer_pull.h"

#include <algorithm>
#include <atomic>
#include <memory>
#include <thread>

#include "absl/strings/str_cat.h"
#include "registry/distribution/ingest_sink.h"
#include "registry/distribution/tee_stream.h"
#include "runtime/base/errno_status.h"
#include "runtime/base/status_macros.h"

namespace crate::registry {
namespace {

absl::Status CheckDiffId(const LayerToPull& layer, const ApplyResult& r) {
  if (!layer.diff_id.empty() && r.diff_id != layer.diff_id) {
    return absl::DataLossError(absl::StrCat(
        layer.description, " (", layer.digest, "): uncompressed it hashes to ",
        r.diff_id, ", but the image config says ", layer.diff_id));
  }
  return absl::OkStatus();
}

absl::Status UnpackFromStore(const PullTarget& t, const LayerToPull& layer,
                             const Digest& digest, const std::string& fs_dir,
                             const ApplyOptions& options) {
  ASSIGN_OR_RETURN(UniqueFd fd, t.content->OpenBlob(digest));
  ASSIGN_OR_RETURN(ApplyResult r, ApplyLayerFromFd(fd.get(), fs_dir, options));
  return CheckDiffId(layer, r);
}

// Downloads into `ingest` while unpacking into fs_dir.
absl::Status StreamAndUnpack(const PullTarget& t, const LayerToPull& layer,
                             const Digest& digest, Ingest* ingest,
                             const std::string& fs_dir,
                             const ApplyOptions& options) {
  IngestSink sink(ingest, layer.on_bytes);
  TeeStream tee(&sink);
  absl::Status fetch, commit;
  std::thread download([&] {
    fetch = t.client->FetchBlob(t.host, t.repository, layer.digest, layer.size,
                                &tee);
    tee.Finish(fetch);
    if (fetch.ok()) commit = ingest->Commit().status();
  });
  LayerReader reader = [&tee](char* buf, size_t len) {
    return tee.Read(buf, len);
  };
  absl::StatusOr<ApplyResult> applied = ApplyLayer(reader, fs_dir, options);
  if (!applied.ok()) tee.CloseReader();
  download.join();
  if (!fetch.ok()) {
    if (!KeepForResume(fetch)) ingest->Abort();
    return fetch;
  }
  RETURN_IF_ERROR(commit);
  if (!applied.ok() && TeeStream::IsRestart(applied.status())) {
    // The registry ignored a Range request: the blob is complete and
    // verified now, so unpack it from the store.
    return UnpackFromStore(t, layer, digest, fs_dir, options);
  }
  absl::Status s =
      applied.ok() ? CheckDiffId(layer, *applied) : applied.status();
  if (!s.ok()) {
    // A layer that cannot be unpacked (it escapes, it is a bomb, its DiffID
    // is wrong) leaves the content store as it was before this pull.
    t.content->Delete(digest).IgnoreError();
  }
  return s;
}

}  // namespace

absl::Status PullLayer(const PullTarget& t, const LayerToPull& layer,
                       ApplyOptions options) {
  if (options.layer_name == "layer" || options.layer_name.empty()) {
    options.layer_name =
        absl::StrCat(layer.description.empty() ? "layer" : layer.description,
                     " (", layer.digest, ")");
  }
  ASSIGN_OR_RETURN(Digest digest, Digest::Parse(layer.digest));
  if (t.snapshots->Exists(layer.chain_id)) {
    // Unpacked already; keep the blob too (for push and save).
    return FetchToStore(*t.client, *t.content, t.host, t.repository,
                        layer.digest, layer.size, layer.description);
  }
  return t.snapshots
      ->Ensure(layer.chain_id,
               [&](const std::string& fs_dir) -> absl::Status {
                 IngestOptions io;
                 io.expected_digest = digest;
                 io.expected_size = layer.size;
                 io.description = layer.description;
                 absl::StatusOr<std::unique_ptr<Ingest>> ingest =
                     t.content->StartIngest(io);
                 if (absl::IsAlreadyExists(ingest.status())) {
                   return UnpackFromStore(t, layer, digest, fs_dir, options);
                 }
                 RETURN_IF_ERROR(ingest.status());
                 if ((*ingest)->offset() > 0) {
                   // A resumed download misses its first bytes for a
                   // streaming unpack: finish it, then unpack.
                   IngestSink sink(ingest->get(), layer.on_bytes);
                   absl::Status fetch = t.client->FetchBlob(
                       t.host, t.repository, layer.digest, layer.size, &sink);
                   if (!fetch.ok()) {
                     if (!KeepForResume(fetch)) (*ingest)->Abort();
                     return fetch;
                   }
                   RETURN_IF_ERROR((*ingest)->Commit().status());
                   return UnpackFromStore(t, layer, digest, fs_dir, options);
                 }
                 return StreamAndUnpack(t, layer, digest, ingest->get(), fs_dir,
                                        options);
               })
      .status();
}

std::vector<absl::Status> PullLayers(const PullTarget& target,
                                     const std::vector<LayerToPull>& layers,
                                     const ApplyOptions& options,
                                     int parallel) {
  std::vector<absl::Status> out(layers.size());
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t i = next++; i < layers.size(); i = next++) {
      out[i] = PullLayer(target, layers[i], options);
    }
  };
  size_t n = std::min<size_t>(layers.size(),
                              static_cast<size_t>(std::max(parallel, 1)));
  std::vector<std::thread> threads;
  for (size_t i = 1; i < n; ++i) threads.emplace_back(worker);
  worker();
  for (auto& t : threads) t.join();
  return out;
}

}  // namespace crate::registry
