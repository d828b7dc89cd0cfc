#include "api/engine/event_journal.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "nlohmann/json.hpp"
#include "runtime/base/errno_status.h"
#include "runtime/base/file_lock.h"
#include "runtime/base/file_util.h"
#include "runtime/base/status_macros.h"

namespace crate::engine {
namespace {

constexpr char kCurrent[] = "events.log";
constexpr char kRotated[] = "events.log.1";
constexpr char kLock[] = "events.lock";
// A "line" longer than this without an end is not a journal line.
constexpr size_t kMaxLine = 1 << 20;
// How long a writer waits for another to finish its line.
constexpr absl::Duration kLockWait = absl::Seconds(5);

absl::StatusOr<FileLock> LockWithin(const std::string& path) {
  absl::Time deadline = absl::Now() + kLockWait;
  absl::Duration pause = absl::Microseconds(50);
  for (;;) {
    absl::StatusOr<FileLock> lock = FileLock::TryAcquire(path);
    if (lock.ok() || !absl::IsUnavailable(lock.status())) return lock;
    if (absl::Now() > deadline) {
      return absl::UnavailableError(
          absl::StrCat("lock ", path, ": still held by another writer after ",
                       absl::FormatDuration(kLockWait)));
    }
    absl::SleepFor(pause);
    pause = std::min(pause * 2, absl::Milliseconds(10));
  }
}

// Whole lines of `text` parsed into `out`; bad lines (a crash's torn write
// ended by the next writer) are skipped. Returns where the unended rest
// starts.
size_t ParseLines(absl::string_view text, std::vector<Event>* out) {
  size_t start = 0;
  for (;;) {
    size_t end = text.find('\n', start);
    if (end == absl::string_view::npos) return start;
    absl::StatusOr<Event> e = EventFromLine(text.substr(start, end - start));
    if (e.ok()) out->push_back(*std::move(e));
    start = end + 1;
  }
}

absl::Status ReadAll(int fd, const std::string& path, std::string* out) {
  char buf[65536];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoStatus("read", path);
    if (n == 0) return absl::OkStatus();
    out->append(buf, static_cast<size_t>(n));
  }
}

ino_t InodeOf(int fd) {
  struct stat st;
  return fstat(fd, &st) == 0 ? st.st_ino : 0;
}

}  // namespace

std::string EventToLine(const Event& e) {
  nlohmann::json j = {
      {"time_unix_nanos", absl::ToUnixNanos(e.time)},
      {"type", e.type},
      {"action", e.action},
      {"id", e.id},
      {"name", e.name},
      {"attributes", e.attributes},
  };
  // Invalid UTF-8 (a label from somewhere) is replaced rather than
  // refused: an event is worth more than the exact bytes of one attribute.
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) +
         "\n";
}

absl::StatusOr<Event> EventFromLine(absl::string_view line) {
  nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("time_unix_nanos") ||
      !j["time_unix_nanos"].is_number_integer() || !j.contains("type") ||
      !j["type"].is_string() || !j.contains("action") ||
      !j["action"].is_string()) {
    return absl::DataLossError(
        absl::StrCat("not an event line: ", line.substr(0, 80)));
  }
  Event e;
  e.time = absl::FromUnixNanos(j["time_unix_nanos"].get<int64_t>());
  e.type = j["type"].get<std::string>();
  e.action = j["action"].get<std::string>();
  e.id = j.value("id", "");
  e.name = j.value("name", "");
  if (j.contains("attributes") && j["attributes"].is_object()) {
    for (const auto& [k, v] : j["attributes"].items()) {
      if (v.is_string()) e.attributes[k] = v.get<std::string>();
    }
  }
  return e;
}

absl::StatusOr<std::unique_ptr<EventJournal>> EventJournal::Open(
    std::string dir, int64_t max_bytes) {
  if (max_bytes <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("event journal ", dir, ": max size must be positive"));
  }
  RETURN_IF_ERROR(MakeDirs(dir, 0700));
  return std::unique_ptr<EventJournal>(
      new EventJournal(std::move(dir), max_bytes));
}

std::string EventJournal::current_path() const {
  return JoinPath(dir_, kCurrent);
}
std::string EventJournal::rotated_path() const {
  return JoinPath(dir_, kRotated);
}

absl::Status EventJournal::Append(const Event& event) const {
  std::string line = EventToLine(event);
  const std::string path = current_path();
  ASSIGN_OR_RETURN(FileLock lock, LockWithin(JoinPath(dir_, kLock)));
  UniqueFd fd(
      open(path.c_str(), O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0600));
  if (!fd) return ErrnoStatus("open", path);
  struct stat st;
  if (fstat(fd.get(), &st) != 0) return ErrnoStatus("fstat", path);
  if (st.st_size > 0 &&
      st.st_size + static_cast<int64_t>(line.size()) > max_bytes_) {
    // Readers holding the old file read it to its end, then reopen.
    if (rename(path.c_str(), rotated_path().c_str()) != 0) {
      return ErrnoStatus("rename", path);
    }
    fd.Reset(open(path.c_str(), O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0600));
    if (!fd) return ErrnoStatus("open", path);
  } else if (st.st_size > 0) {
    char last = '\n';
    if (pread(fd.get(), &last, 1, st.st_size - 1) == 1 && last != '\n') {
      line.insert(0, "\n");  // end a line a crash cut short
    }
  }
  return WriteAll(fd.get(), line, path);
}

absl::StatusOr<std::vector<Event>> EventJournal::Read(absl::Time since,
                                                      absl::Time until) const {
  ASSIGN_OR_RETURN(std::unique_ptr<EventFollower> f, Follow(true));
  ASSIGN_OR_RETURN(std::vector<Event> all, f->Next());
  std::vector<Event> out;
  for (Event& e : all) {
    if (e.time >= since && e.time <= until) out.push_back(std::move(e));
  }
  return out;
}

absl::StatusOr<std::unique_ptr<EventFollower>> EventJournal::Follow(
    bool from_start) const {
  std::unique_ptr<EventFollower> f(new EventFollower(current_path()));
  // The watch comes first: nothing appended after it goes unnoticed.
  f->inotify_.Reset(inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
  if (!f->inotify_) return ErrnoStatus("inotify_init1", dir_);
  if (inotify_add_watch(f->inotify_.get(), dir_.c_str(),
                        IN_MODIFY | IN_CREATE | IN_MOVED_TO) < 0) {
    return ErrnoStatus("inotify_add_watch", dir_);
  }
  for (int attempt = 0;; ++attempt) {
    RETURN_IF_ERROR(f->OpenCurrent());
    if (!from_start) {
      if (f->current_ && lseek(f->current_.get(), 0, SEEK_END) < 0) {
        return ErrnoStatus("lseek", current_path());
      }
      return f;
    }
    f->older_.Reset(open(rotated_path().c_str(), O_RDONLY | O_CLOEXEC));
    if (!f->older_ && errno != ENOENT) {
      return ErrnoStatus("open", rotated_path());
    }
    // A rotation between the two opens makes them the same file, and the
    // new current one unread: start again.
    if (!f->older_ || !f->current_ ||
        InodeOf(f->older_.get()) != f->current_ino_ || attempt >= 8) {
      return f;
    }
  }
}

absl::Status EventFollower::OpenCurrent() {
  current_.Reset(open(current_path_.c_str(), O_RDONLY | O_CLOEXEC));
  if (!current_) {
    if (errno == ENOENT) return absl::OkStatus();
    return ErrnoStatus("open", current_path_);
  }
  current_ino_ = InodeOf(current_.get());
  pending_.clear();
  return absl::OkStatus();
}

absl::Status EventFollower::Drain(int fd, std::vector<Event>* out) {
  RETURN_IF_ERROR(ReadAll(fd, current_path_, &pending_));
  size_t rest = ParseLines(pending_, out);
  pending_.erase(0, rest);
  if (pending_.size() > kMaxLine) pending_.clear();
  return absl::OkStatus();
}

absl::StatusOr<std::vector<Event>> EventFollower::Next() {
  char buf[4096];
  while (read(inotify_.get(), buf, sizeof(buf)) > 0) {
  }
  std::vector<Event> out;
  if (older_) {
    RETURN_IF_ERROR(Drain(older_.get(), &out));
    older_.Reset();
    pending_.clear();
  }
  // Each round follows one rotation; more than a few between two calls
  // means files went by unread (see the header).
  for (int round = 0; round < 4; ++round) {
    if (!current_) {
      RETURN_IF_ERROR(OpenCurrent());
      if (!current_) break;
    }
    RETURN_IF_ERROR(Drain(current_.get(), &out));
    struct stat st;
    bool rotated = stat(current_path_.c_str(), &st) != 0
                       ? errno == ENOENT
                       : st.st_ino != current_ino_;
    if (!rotated) break;
    // Written up to the rename (writers rename under their lock): what is
    // left of the old file is read, then the new one from its start.
    RETURN_IF_ERROR(Drain(current_.get(), &out));
    current_.Reset();
    pending_.clear();
  }
  return out;
}

}  // namespace crate::engine
