// The record format and the writer; the reader is in cri_log_reader.cc.
#include "runtime/shim/cri_log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>

#include <utility>

#include "absl/strings/str_cat.h"
#include "runtime/base/errno_status.h"
#include "runtime/base/file_util.h"
#include "runtime/base/status_macros.h"
#include "runtime/shim/timestamp.h"

namespace crate::shim {
namespace {

int Index(Stream stream) { return stream == Stream::kStdout ? 0 : 1; }

void AppendRecord(std::string* out, absl::Time time, Stream stream,
                  bool partial, absl::string_view text) {
  absl::StrAppend(out, FormatTimestamp(time), " ", StreamName(stream),
                  partial ? " P " : " F ", text, "\n");
}

absl::StatusOr<UniqueFd> OpenForAppend(const std::string& path, int64_t* size) {
  // O_APPEND: a record is one write at the end even if a reader or a
  // second writer (a crash's successor) has the file open too.
  UniqueFd fd(::open(path.c_str(),
                     O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW,
                     0640));
  if (!fd) return ErrnoStatus("open log", path);
  struct stat st;
  if (fstat(fd.get(), &st) != 0) return ErrnoStatus("stat log", path);
  if (!S_ISREG(st.st_mode)) {
    return absl::FailedPreconditionError(
        absl::StrCat("open log ", path, ": not a regular file"));
  }
  *size = st.st_size;
  return fd;
}

}  // namespace

absl::string_view StreamName(Stream stream) {
  return stream == Stream::kStdout ? "stdout" : "stderr";
}

std::string FormatCriRecord(const CriRecord& record) {
  std::string out;
  AppendRecord(&out, record.time, record.stream, record.partial, record.text);
  return out;
}

bool ParseCriRecord(absl::string_view line, CriRecord* out) {
  size_t sp = line.find(' ');
  if (sp == absl::string_view::npos) return false;
  absl::Time time;
  if (!ParseTimestamp(line.substr(0, sp), &time)) return false;
  line.remove_prefix(sp + 1);

  Stream stream;
  if (line.substr(0, 7) == "stdout ") {
    stream = Stream::kStdout;
  } else if (line.substr(0, 7) == "stderr ") {
    stream = Stream::kStderr;
  } else {
    return false;
  }
  line.remove_prefix(7);

  // The tags field is ':'-separated and its first tag says full or partial;
  // later tags are for future use (the CRI spec), so they are ignored.
  sp = line.find(' ');
  absl::string_view tags = line.substr(0, sp);
  absl::string_view first = tags.substr(0, tags.find(':'));
  if (first != "F" && first != "P") return false;
  // Some writers leave out the space before an empty text.
  absl::string_view text =
      sp == absl::string_view::npos ? absl::string_view() : line.substr(sp + 1);

  out->time = time;
  out->stream = stream;
  out->partial = first == "P";
  out->text.assign(text.data(), text.size());
  return true;
}

absl::StatusOr<CriLogWriter> CriLogWriter::Open(std::string path,
                                                int64_t max_bytes) {
  int64_t size = 0;
  ASSIGN_OR_RETURN(UniqueFd fd, OpenForAppend(path, &size));
  return CriLogWriter(std::move(path), max_bytes, std::move(fd), size);
}

absl::Status CriLogWriter::Write(Stream stream, const char* data, size_t n,
                                 absl::Time now) {
  if (n == 0) return absl::OkStatus();
  Pending& p = pending_[Index(stream)];
  p.bytes.append(data, n);
  p.arrived = now;

  absl::string_view rest = p.bytes;
  absl::Status status;
  while (status.ok()) {
    size_t nl = rest.find('\n');
    if (nl == absl::string_view::npos) break;
    while (status.ok() && nl > kMaxRecordText) {
      status = Emit(stream, rest.substr(0, kMaxRecordText), true, now);
      rest.remove_prefix(kMaxRecordText);
      nl -= kMaxRecordText;
    }
    if (status.ok()) status = Emit(stream, rest.substr(0, nl), false, now);
    rest.remove_prefix(nl + 1);
  }
  // A full record's worth without a newline is written now rather than
  // held: the writer's memory stays bounded whatever the container writes.
  while (status.ok() && rest.size() > kMaxRecordText) {
    status = Emit(stream, rest.substr(0, kMaxRecordText), true, now);
    rest.remove_prefix(kMaxRecordText);
  }
  if (status.ok()) status = WriteOut();
  if (!status.ok()) {
    p.bytes.clear();
    out_.clear();
    return status;
  }
  p.bytes.erase(0, p.bytes.size() - rest.size());
  return absl::OkStatus();
}

absl::Status CriLogWriter::Flush() {
  absl::Status status;
  for (Stream stream : {Stream::kStdout, Stream::kStderr}) {
    Pending& p = pending_[Index(stream)];
    if (p.bytes.empty()) continue;
    if (status.ok()) status = Emit(stream, p.bytes, true, p.arrived);
    p.bytes.clear();
  }
  if (status.ok()) status = WriteOut();
  out_.clear();
  return status;
}

absl::Status CriLogWriter::Emit(Stream stream, absl::string_view text,
                                bool partial, absl::Time time) {
  size_t before = out_.size();
  AppendRecord(&out_, time, stream, partial, text);
  int64_t after = size_ + static_cast<int64_t>(out_.size());
  // A record never straddles two files, and a record larger than the
  // limit still goes into a file of its own rather than nowhere.
  if (max_bytes_ > 0 && after > max_bytes_ && size_ + before > 0) {
    std::string record = out_.substr(before);
    out_.resize(before);
    RETURN_IF_ERROR(WriteOut());
    RETURN_IF_ERROR(Rotate());
    out_ = std::move(record);
  }
  return absl::OkStatus();
}

absl::Status CriLogWriter::WriteOut() {
  if (out_.empty()) return absl::OkStatus();
  absl::Status status = WriteAll(fd_.get(), out_, path_);
  if (status.ok()) {
    size_ += static_cast<int64_t>(out_.size());
  } else {
    // Part of it may be in the file; the size decides the next rotation.
    struct stat st;
    if (fstat(fd_.get(), &st) == 0) size_ = st.st_size;
  }
  out_.clear();
  return status;
}

absl::Status CriLogWriter::Rotate() {
  std::string old = absl::StrCat(path_, ".1");
  // ENOENT: an earlier rotation renamed the file but could not open its
  // successor; the file behind fd_ is already the old generation.
  if (::rename(path_.c_str(), old.c_str()) != 0 && errno != ENOENT) {
    return ErrnoStatus("rotate log: rename", path_);
  }
  int64_t size = 0;
  ASSIGN_OR_RETURN(UniqueFd fd, OpenForAppend(path_, &size));
  fd_ = std::move(fd);
  size_ = size;
  return absl::OkStatus();
}

}  // namespace crate::shim
