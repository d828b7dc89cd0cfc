#include "registry/distribution/tee_stream.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/match.h"
#include "runtime/base/status_macros.h"

namespace crate::registry {
namespace {
constexpr char kRestart[] = "the download restarted from its first byte";
}  // namespace

absl::Status TeeStream::Write(absl::string_view data) {
  RETURN_IF_ERROR(primary_->Write(data));
  std::unique_lock<std::mutex> l(mu_);
  cv_.wait(l, [&] {
    return reader_closed_ || restarted_ || buffered_ < max_buffered_;
  });
  if (reader_closed_ || restarted_) return absl::OkStatus();
  chunks_.emplace_back(data);
  buffered_ += data.size();
  cv_.notify_all();
  return absl::OkStatus();
}

absl::Status TeeStream::Reset() {
  RETURN_IF_ERROR(primary_->Reset());
  std::lock_guard<std::mutex> l(mu_);
  if (delivered_) {
    restarted_ = true;
  }
  chunks_.clear();
  front_offset_ = 0;
  buffered_ = 0;
  cv_.notify_all();
  return absl::OkStatus();
}

void TeeStream::Finish(absl::Status status) {
  std::lock_guard<std::mutex> l(mu_);
  finished_ = true;
  finish_status_ = std::move(status);
  cv_.notify_all();
}

absl::StatusOr<size_t> TeeStream::Read(char* buf, size_t len) {
  std::unique_lock<std::mutex> l(mu_);
  cv_.wait(l, [&] { return restarted_ || !chunks_.empty() || finished_; });
  if (restarted_) return absl::AbortedError(kRestart);
  if (chunks_.empty()) {
    if (!finish_status_.ok()) return finish_status_;
    return 0;
  }
  size_t n = 0;
  while (n < len && !chunks_.empty()) {
    const std::string& front = chunks_.front();
    size_t take = std::min(len - n, front.size() - front_offset_);
    memcpy(buf + n, front.data() + front_offset_, take);
    n += take;
    front_offset_ += take;
    if (front_offset_ == front.size()) {
      buffered_ -= front.size();
      chunks_.pop_front();
      front_offset_ = 0;
    }
  }
  delivered_ = true;
  cv_.notify_all();
  return n;
}

void TeeStream::CloseReader() {
  std::lock_guard<std::mutex> l(mu_);
  reader_closed_ = true;
  chunks_.clear();
  buffered_ = 0;
  cv_.notify_all();
}

bool TeeStream::IsRestart(const absl::Status& s) {
  return s.code() == absl::StatusCode::kAborted &&
         absl::StrContains(s.message(), kRestart);
}

}  // namespace crate::registry
