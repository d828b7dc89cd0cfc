// The container log in the CRI format that kubelet and `crate logs` both
// read: one record per line,
//
//   2016-10-06T00:17:09.669794202Z stdout F a whole line
//   2016-10-06T00:17:09.669800000Z stderr P the start of a long line
//   2016-10-06T00:17:09.669900000Z stderr F and its end
//
// A line longer than kMaxRecordText, or one the shim flushes before its
// newline arrived, is written as P (partial) records and closed by an F
// record, as CRI-O does. The file is rotated at a size limit to `<path>.1`
// (one generation), so a reader reads `<path>.1` and then `<path>`.
#ifndef CRATE_RUNTIME_SHIM_CRI_LOG_H_
#define CRATE_RUNTIME_SHIM_CRI_LOG_H_

#include <sys/types.h>

#include <cstdint>
#include <string>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "runtime/base/unique_fd.h"

namespace crate::shim {

enum class Stream { kStdout, kStderr };

// "stdout" or "stderr".
absl::string_view StreamName(Stream stream);

// The most text one record carries; longer lines become several records.
inline constexpr size_t kMaxRecordText = 16 * 1024;

// One record as written, or one logical line as read back.
struct CriRecord {
  // Read back: the time of the record that ended the line.
  absl::Time time;
  Stream stream = Stream::kStdout;
  // Without the newline. Any bytes the container wrote, '\r' and NUL
  // included.
  std::string text;
  // Written: a P record. Read: a line whose end was never written (the
  // container has not finished it, or exited first).
  bool partial = false;
};

// One line of the file, without its '\n'. False for anything that is not a
// record: a bad timestamp, an unknown stream or tag, missing separators.
bool ParseCriRecord(absl::string_view line, CriRecord* out);

// The line for `record`, '\n' included.
std::string FormatCriRecord(const CriRecord& record);

class CriLogWriter {
 public:
  // Appends to `path` (created 0640 if missing). max_bytes <= 0 never
  // rotates.
  static absl::StatusOr<CriLogWriter> Open(std::string path, int64_t max_bytes);

  CriLogWriter(CriLogWriter&&) = default;
  CriLogWriter& operator=(CriLogWriter&&) = default;

  // Logs what the container wrote to `stream` at `now`: every complete line
  // as an F record (a longer one as P records and a last F); the rest is
  // held until its newline comes, more than kMaxRecordText bytes of it are
  // held, or Flush. On error the bytes held and given are dropped (the
  // container must not block on its log), and the writer stays usable.
  absl::Status Write(Stream stream, const char* data, size_t n, absl::Time now);

  // Writes what Write holds as P records stamped with the time their bytes
  // arrived. The shim calls it when a stream goes quiet or closes, so a
  // prompt without a newline still reaches the log.
  absl::Status Flush();

  // Bytes in the current file.
  int64_t size() const { return size_; }

 private:
  struct Pending {
    std::string bytes;
    absl::Time arrived;
  };

  CriLogWriter(std::string path, int64_t max_bytes, UniqueFd fd, int64_t size)
      : path_(std::move(path)),
        max_bytes_(max_bytes),
        fd_(std::move(fd)),
        size_(size) {}

  // Adds a record to out_, first writing out_ and rotating if the record
  // would take the file past max_bytes_.
  absl::Status Emit(Stream stream, absl::string_view text, bool partial,
                    absl::Time time);
  absl::Status WriteOut();
  absl::Status Rotate();

  std::string path_;
  int64_t max_bytes_;
  UniqueFd fd_;
  int64_t size_;
  Pending pending_[2];
  std::string out_;  // records not yet written, one write per Write call
};

// Where a reader stopped in the current file: just after its last complete
// line. The inode tells a rotated file from the one the offset is in. The
// default, {0, 0}, is the start of whatever file `<path>` is.
struct CriLogPosition {
  ino_t inode = 0;  // 0: not known (then only the size tells rotation)
  int64_t offset = 0;
};

struct CriLogReadOptions {
  // Lines older than this are skipped.
  absl::Time since = absl::InfinitePast();
  // The last `tail` lines that pass `since`; -1 for all.
  int64_t tail = -1;
  // Whether RenderLogLine shows each line's time.
  bool timestamps = false;
};

struct CriLogReadResult {
  int64_t lines = 0;    // given to the callback
  int64_t skipped = 0;  // lines of the files that were not records
  CriLogPosition end;   // where CriLogFollower can go on from
};

// Called with each logical line (P records joined to their F); a non-OK
// status stops the read and is returned.
using CriLineCallback = absl::FunctionRef<absl::Status(const CriRecord&)>;

// Reads `<path>.1`, then `<path>`; either may be missing. Lines of the
// files that are not records (garbage, a torn write, anything over 1 MiB)
// are skipped and counted. A line still unfinished at the end (P records
// and no F yet) is given last, marked partial; a CriLogFollower started at
// `end` gives the rest of it when it comes.
absl::StatusOr<CriLogReadResult> ReadCriLog(const std::string& path,
                                            const CriLogReadOptions& options,
                                            CriLineCallback callback);

// How `crate logs` shows a line: "<time> <text>" with options.timestamps,
// else the text; a newline unless the line is partial.
std::string RenderLogLine(const CriRecord& line,
                          const CriLogReadOptions& options);

// The longest logical line a reader joins: a longer one (a container
// writing megabytes without a newline) is given in pieces of this size,
// each marked partial, so a reader's memory stays bounded.
inline constexpr size_t kMaxLogicalLine = 1 << 20;

namespace internal {

// Joins P records to their F record, per stream.
class LineAssembler {
 public:
  absl::Status Add(CriRecord record, CriLineCallback callback);
  // Gives the lines still waiting for their F record, marked partial.
  absl::Status Finish(CriLineCallback callback);

 private:
  CriRecord pending_[2];
  bool has_pending_[2] = {false, false};
};

}  // namespace internal

// Reads what is appended to a log after a position, across rotations:
// when `<path>` is no longer the file the position is in (another inode, or
// shorter than the offset when the inode is not known), the rest of
// `<path>.1` is read and then the new `<path>` from its start. Only complete
// lines are read; a line still being written waits for the next Poll.
// Waiting for changes (inotify, a timer) is the caller's.
class CriLogFollower {
 public:
  CriLogFollower(std::string path, CriLogPosition from)
      : path_(std::move(path)), position_(from) {}

  // Gives the logical lines completed since the last call.
  absl::Status Poll(CriLineCallback callback);

  // Gives the lines still waiting for their F record, marked partial: for
  // a reader that stops following because the container has exited.
  absl::Status Finish(CriLineCallback callback);

  const CriLogPosition& position() const { return position_; }
  // Lines of the files that were not records, so far.
  int64_t skipped() const { return skipped_; }

 private:
  std::string path_;
  CriLogPosition position_;
  // Set while the bytes at position_ are the rest of a line too long to be
  // a record, passed over up to its newline.
  bool discarding_ = false;
  int64_t skipped_ = 0;
  internal::LineAssembler assembler_;
};

}  // namespace crate::shim

#endif  // CRATE_RUNTIME_SHIM_CRI_LOG_H_
