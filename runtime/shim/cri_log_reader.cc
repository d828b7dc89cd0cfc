// Reading a CRI log back: ReadCriLog, RenderLogLine and CriLogFollower.
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <deque>
#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "runtime/base/errno_status.h"
#include "runtime/base/status_macros.h"
#include "runtime/shim/cri_log.h"
#include "runtime/shim/timestamp.h"

namespace crate::shim {
namespace {

// A line of the file longer than this cannot be a record of any writer we
// know (ours stop at 16 KiB of text, CRI-O's at 8 KiB); it is skipped
// without being held in memory.
constexpr size_t kMaxLineBytes = 1 << 20;

int Index(Stream stream) { return stream == Stream::kStdout ? 0 : 1; }

// An open log file, or none when it does not exist.
struct LogFile {
  UniqueFd fd;
  ino_t inode = 0;
  int64_t size = 0;
};

absl::StatusOr<LogFile> OpenIfExists(const std::string& path) {
  LogFile f;
  f.fd.Reset(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (!f.fd) {
    if (errno == ENOENT) return f;
    return ErrnoStatus("open log", path);
  }
  struct stat st;
  if (fstat(f.fd.get(), &st) != 0) return ErrnoStatus("stat log", path);
  f.inode = st.st_ino;
  f.size = st.st_size;
  return f;
}

ino_t InodeOf(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 ? st.st_ino : 0;
}

// Where ScanLines is in one file.
struct ScanState {
  int64_t offset = 0;       // just after the last line taken
  bool discarding = false;  // inside an overlong line, up to its newline
  int64_t skipped = 0;
};

// Gives each complete line of `fd` after state->offset to `on_line`,
// without its '\n', and moves the offset past it. An unfinished line at
// the end of the file is left where it is; the return value says whether
// there was one.
absl::StatusOr<bool> ScanLines(
    int fd, const std::string& path, ScanState* state,
    absl::FunctionRef<absl::Status(absl::string_view)> on_line) {
  constexpr size_t kChunk = 64 * 1024;
  std::unique_ptr<char[]> buf(new char[kChunk]);
  std::string carry;  // the start of a line whose end is in a later chunk
  int64_t read_at = state->offset;
  while (true) {
    ssize_t n = ::pread(fd, buf.get(), kChunk, read_at);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus("read log", path);
    }
    if (n == 0) break;
    read_at += n;
    absl::string_view chunk(buf.get(), static_cast<size_t>(n));
    while (!chunk.empty()) {
      size_t nl = chunk.find('\n');
      if (nl == absl::string_view::npos) {
        if (!state->discarding) {
          carry.append(chunk.data(), chunk.size());
          if (carry.size() <= kMaxLineBytes) break;
          state->discarding = true;
          carry.clear();
        }
        // Passed-over bytes are not read again by the next scan.
        state->offset = read_at;
        break;
      }
      absl::string_view piece = chunk.substr(0, nl);
      chunk.remove_prefix(nl + 1);
      int64_t line_end = read_at - static_cast<int64_t>(chunk.size());
      absl::Status status;
      if (state->discarding) {
        state->discarding = false;
        ++state->skipped;
      } else if (carry.empty() && piece.size() <= kMaxLineBytes) {
        status = on_line(piece);
      } else if (carry.size() + piece.size() <= kMaxLineBytes) {
        carry.append(piece.data(), piece.size());
        status = on_line(carry);
      } else {
        ++state->skipped;
      }
      carry.clear();
      state->offset = line_end;
      RETURN_IF_ERROR(status);
    }
  }
  return !carry.empty() || state->discarding;
}

// Parses each line of a file into records for `assembler`, counting the
// lines that are not records.
absl::StatusOr<bool> ScanRecords(int fd, const std::string& path,
                                 ScanState* state,
                                 internal::LineAssembler* assembler,
                                 CriLineCallback callback) {
  CriRecord record;
  return ScanLines(fd, path, state, [&](absl::string_view line) {
    if (!ParseCriRecord(line, &record)) {
      ++state->skipped;
      return absl::OkStatus();
    }
    return assembler->Add(std::move(record), callback);
  });
}

// Reads a file no writer appends to any more (`<path>.1`) to its end: a
// line left unfinished there will never be finished.
absl::Status ScanFinishedFile(int fd, const std::string& path, ScanState* state,
                              internal::LineAssembler* assembler,
                              CriLineCallback callback) {
  ASSIGN_OR_RETURN(bool torn,
                   ScanRecords(fd, path, state, assembler, callback));
  if (torn) ++state->skipped;
  state->discarding = false;
  return absl::OkStatus();
}

}  // namespace

namespace internal {

absl::Status LineAssembler::Add(CriRecord record, CriLineCallback callback) {
  int i = Index(record.stream);
  bool partial = record.partial;
  CriRecord& pending = pending_[i];
  if (!has_pending_[i]) {
    if (!partial) return callback(record);
    pending = std::move(record);
    has_pending_[i] = true;
  } else {
    pending.text.append(record.text);
    pending.time = record.time;
  }
  if (!partial) {
    has_pending_[i] = false;
    pending.partial = false;
    return callback(pending);
  }
  if (pending.text.size() >= kMaxLogicalLine) {
    has_pending_[i] = false;
    pending.partial = true;
    return callback(pending);
  }
  return absl::OkStatus();
}

absl::Status LineAssembler::Finish(CriLineCallback callback) {
  // The older unfinished line first.
  int order[2] = {0, 1};
  if (has_pending_[0] && has_pending_[1] &&
      pending_[1].time < pending_[0].time) {
    order[0] = 1;
    order[1] = 0;
  }
  for (int i : order) {
    if (!has_pending_[i]) continue;
    has_pending_[i] = false;
    pending_[i].partial = true;
    RETURN_IF_ERROR(callback(pending_[i]));
  }
  return absl::OkStatus();
}

}  // namespace internal

absl::StatusOr<CriLogReadResult> ReadCriLog(const std::string& path,
                                            const CriLogReadOptions& options,
                                            CriLineCallback callback) {
  std::string old_path = absl::StrCat(path, ".1");
  // A rotation between the two opens would pair the generation before last
  // with the new file and miss the one in between: open again until
  // `<path>.1` is still the file opened.
  LogFile old, current;
  for (int attempt = 0; attempt < 3; ++attempt) {
    ASSIGN_OR_RETURN(old, OpenIfExists(old_path));
    ASSIGN_OR_RETURN(current, OpenIfExists(path));
    if (InodeOf(old_path) == old.inode) break;
  }

  CriLogReadResult result;
  std::deque<CriRecord> tail;
  auto sink = [&](const CriRecord& line) -> absl::Status {
    if (line.time < options.since) return absl::OkStatus();
    if (options.tail < 0) {
      ++result.lines;
      return callback(line);
    }
    tail.push_back(line);
    if (static_cast<int64_t>(tail.size()) > options.tail) tail.pop_front();
    return absl::OkStatus();
  };

  internal::LineAssembler assembler;
  ScanState state;
  if (old.fd) {
    RETURN_IF_ERROR(
        ScanFinishedFile(old.fd.get(), old_path, &state, &assembler, sink));
  }
  result.skipped = state.skipped;
  if (current.fd) {
    ScanState cur;
    RETURN_IF_ERROR(
        ScanRecords(current.fd.get(), path, &cur, &assembler, sink).status());
    result.skipped += cur.skipped;
    result.end = {current.inode, cur.offset};
  }
  RETURN_IF_ERROR(assembler.Finish(sink));
  for (const CriRecord& line : tail) {
    ++result.lines;
    RETURN_IF_ERROR(callback(line));
  }
  return result;
}

std::string RenderLogLine(const CriRecord& line,
                          const CriLogReadOptions& options) {
  std::string out;
  if (options.timestamps)
    absl::StrAppend(&out, FormatTimestamp(line.time), " ");
  absl::StrAppend(&out, line.text);
  if (!line.partial) out.push_back('\n');
  return out;
}

absl::Status CriLogFollower::Poll(CriLineCallback callback) {
  ASSIGN_OR_RETURN(LogFile current, OpenIfExists(path_));
  bool rotated;
  if (!current.fd) {
    // Renamed and not yet replaced, or never there.
    rotated = position_.inode != 0 || position_.offset > 0;
  } else if (position_.inode != 0) {
    rotated = current.inode != position_.inode;
  } else {
    rotated = current.size < position_.offset;
  }

  ScanState state{position_.offset, discarding_, 0};
  if (rotated) {
    std::string old_path = absl::StrCat(path_, ".1");
    ASSIGN_OR_RETURN(LogFile old, OpenIfExists(old_path));
    // The rest of the file the position is in, unless it has been rotated
    // away too (then it is gone: nothing to do but go on).
    if (old.fd && (position_.inode == 0 || old.inode == position_.inode)) {
      absl::Status status = ScanFinishedFile(old.fd.get(), old_path, &state,
                                             &assembler_, callback);
      skipped_ += state.skipped;
      if (!status.ok()) {
        // What the callback was given is not given again.
        position_.offset = state.offset;
        return status;
      }
    }
    state = ScanState{};
  } else if (current.fd && current.size < position_.offset) {
    // Truncated in place (copytruncate): start again.
    state = ScanState{};
  }
  position_ = {current.fd ? current.inode : 0, state.offset};
  discarding_ = false;
  if (!current.fd) return absl::OkStatus();

  absl::Status status =
      ScanRecords(current.fd.get(), path_, &state, &assembler_, callback)
          .status();
  position_.offset = state.offset;
  discarding_ = state.discarding;
  skipped_ += state.skipped;
  return status;
}

absl::Status CriLogFollower::Finish(CriLineCallback callback) {
  return assembler_.Finish(callback);
}

}  // namespace crate::shim
