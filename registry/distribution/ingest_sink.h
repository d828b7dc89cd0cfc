// Downloads into the content store: the store's Ingest as a BlobSink.
#ifndef CRATE_REGISTRY_DISTRIBUTION_INGEST_SINK_H_
#define CRATE_REGISTRY_DISTRIBUTION_INGEST_SINK_H_

#include <cstdint>
#include <functional>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "registry/content/content_store.h"
#include "registry/distribution/client.h"

namespace crate::registry {

// The ingest hashes what it is given and checks it on Commit, so the client
// resumes a partial ingest an earlier (interrupted) pull left.
// `on_write`, if set, is told the offset after every write (from the
// downloading thread), for progress reports.
class IngestSink : public BlobSink {
 public:
  explicit IngestSink(Ingest* ingest,
                      std::function<void(uint64_t offset)> on_write = nullptr)
      : ingest_(ingest), on_write_(std::move(on_write)) {}
  absl::Status Write(absl::string_view data) override {
    absl::Status s = ingest_->Write(data);
    if (s.ok() && on_write_) on_write_(ingest_->offset());
    return s;
  }
  uint64_t Offset() const override { return ingest_->offset(); }
  absl::Status Reset() override { return ingest_->Truncate(); }
  bool VerifiesDigest() const override { return true; }

 private:
  Ingest* ingest_;
  std::function<void(uint64_t)> on_write_;
};

// Whether the bytes a failed download left in its ingest are worth keeping
// for a Range resume. They are not when they contradict the descriptor
// (kDataLoss: more or fewer bytes than its size, another digest, a
// Content-Range from elsewhere) or the registry says the partial is longer
// than the blob (kOutOfRange): such an ingest is aborted rather than left in
// ingest/ for a resume that could only fail again. Other failures (network,
// rate limits, auth, a blob missing here but on a mirror) leave bytes that
// are a valid start of the blob, and an empty ingest removes itself.
bool KeepForResume(const absl::Status& fetch);

// Makes the blob present in `store`: nothing to do if it is there already;
// otherwise downloads it (resuming a partial ingest) and commits it, which
// checks size and digest; a failure that cannot be resumed leaves no
// ingest behind. `description` names the blob in errors ("layer 2
// of 127.0.0.1:5000/x:latest"). The caller holds a Lease of the store.
absl::Status FetchToStore(RegistryClient& client, ContentStore& store,
                          const std::string& host,
                          const std::string& repository,
                          const std::string& digest, int64_t size,
                          const std::string& description);

}  // namespace crate::registry

#endif  // CRATE_REGISTRY_DISTRIBUTION_INGEST_SINK_H_
