// What a refused pull or load must undo: the blobs and snapshots it created,
// so that the stores are left as they were. Pulls and loads of the same
// image may run at once, and each saw these as new; whatever a recorded
// image uses by the time of the undo is left alone.
#ifndef CRATE_REGISTRY_IMAGES_STORE_UNDO_H_
#define CRATE_REGISTRY_IMAGES_STORE_UNDO_H_

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "registry/content/content_store.h"
#include "registry/reference/digest.h"
#include "registry/unpack/snapshot.h"
#include "runtime/base/status_macros.h"

namespace crate::registry {

class StoreUndo {
 public:
  // The blobs and chain IDs recorded images use, asked for at undo time.
  using LiveFn = std::function<absl::StatusOr<std::pair<
      absl::flat_hash_set<Digest>, absl::flat_hash_set<std::string>>>()>;
  StoreUndo(ContentStore& content, SnapshotStore& snapshots, LiveFn live)
      : content_(content), snapshots_(snapshots), live_(std::move(live)) {}
  StoreUndo(const StoreUndo&) = delete;
  StoreUndo& operator=(const StoreUndo&) = delete;
  ~StoreUndo() {
    if (committed_ || (blobs_added_.empty() && snapshots_added_.empty())) {
      return;
    }
    auto live = live_();
    if (!live.ok()) return;  // Keeping too much is safe; GC removes it.
    for (const std::string& id : snapshots_added_) {
      if (!live->second.contains(id)) snapshots_.Remove(id).IgnoreError();
    }
    for (const Digest& d : blobs_added_) {
      if (!live->first.contains(d)) content_.Delete(d).IgnoreError();
    }
  }
  void NoteBlob(const Digest& d) { blobs_added_.push_back(d); }
  void NoteSnapshot(const std::string& id) { snapshots_added_.push_back(id); }
  // Keeps everything: the image is recorded, or the failure was transient.
  void Commit() { committed_ = true; }

 private:
  ContentStore& content_;
  SnapshotStore& snapshots_;
  LiveFn live_;
  std::vector<Digest> blobs_added_;
  std::vector<std::string> snapshots_added_;
  bool committed_ = false;
};

// Stores a small blob (a manifest, a config) unless it is there, and tells
// `undo` when it was not.
inline absl::Status WriteNewBlob(ContentStore& content, StoreUndo& undo,
                                 absl::string_view bytes, const Digest& digest,
                                 const std::string& description) {
  if (content.Has(digest)) return absl::OkStatus();
  RETURN_IF_ERROR(content.WriteBlob(bytes, digest, description).status());
  undo.NoteBlob(digest);
  return absl::OkStatus();
}

}  // namespace crate::registry

#endif  // CRATE_REGISTRY_IMAGES_STORE_UNDO_H_
