// Hands the bytes of a download to a second consumer while they arrive, so
// that a layer is decompressed and unpacked during its download instead of
// after it.
#ifndef CRATE_REGISTRY_DISTRIBUTION_TEE_STREAM_H_
#define CRATE_REGISTRY_DISTRIBUTION_TEE_STREAM_H_

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "registry/distribution/client.h"

namespace crate::registry {

// A BlobSink that writes to `primary` (the content store) and queues a copy
// for Read() in another thread. The queue is bounded: a slow reader slows
// the download rather than filling memory.
class TeeStream : public BlobSink {
 public:
  explicit TeeStream(BlobSink* primary, size_t max_buffered = 8 << 20)
      : primary_(primary), max_buffered_(max_buffered) {}

  absl::Status Write(absl::string_view data) override;
  uint64_t Offset() const override { return primary_->Offset(); }
  // The primary starts over; the reader, which cannot, fails with
  // kAborted (IsRestart) if it was given any byte.
  absl::Status Reset() override;
  bool VerifiesDigest() const override { return primary_->VerifiesDigest(); }

  // Writer side: the download ended with `status`. The reader then sees the
  // end of the stream, or this error.
  void Finish(absl::Status status);

  // Reader side, a LayerReader: blocks until bytes arrive; 0 at the end.
  absl::StatusOr<size_t> Read(char* buf, size_t len);
  // Reader side: it stopped reading; writes no longer queue anything.
  void CloseReader();

  // Whether a status from Read() means the download restarted from zero.
  static bool IsRestart(const absl::Status& s);

 private:
  BlobSink* primary_;
  const size_t max_buffered_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> chunks_;
  size_t front_offset_ = 0;  // Bytes of chunks_.front() already read.
  size_t buffered_ = 0;
  bool delivered_ = false;  // The reader got at least one byte.
  bool restarted_ = false;
  bool finished_ = false;
  bool reader_closed_ = false;
  absl::Status finish_status_;
};

}  // namespace crate::registry

#endif  // CRATE_REGISTRY_DISTRIBUTION_TEE_STREAM_H_
