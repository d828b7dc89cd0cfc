// The service's events (docker's `events`): one JSON line per event in an
// append-only file under the run directory, so that they outlive crated's
// idle exit and the shims' exits are told even when no crated ran then.
//
//   <run>/events/events.log     the current file
//   <run>/events/events.log.1   the one before it (rotated at max_bytes)
//   <run>/events/events.lock    flock(2) for writers (threads or processes)
//
// A writer holds the lock for one write(2) of one whole line (and for the
// rotation), so lines never interleave. A line cut short by a crash is
// ended by the next writer and skipped by readers. Readers take no lock:
// they read whole lines only and follow the file through inotify.
#ifndef CRATE_API_ENGINE_EVENT_JOURNAL_H_
#define CRATE_API_ENGINE_EVENT_JOURNAL_H_

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "runtime/base/unique_fd.h"

namespace crate::engine {

struct Event {
  absl::Time time = absl::InfinitePast();
  std::string type;    // "container", "image", "volume"
  std::string action;  // "create", "start", "die", "pull", ...
  std::string id;
  std::string name;
  std::map<std::string, std::string> attributes;  // image, exitCode, ...
};

// One journal line (JSON, newline-terminated), and back; a line that is
// not an event is kDataLoss.
std::string EventToLine(const Event& event);
absl::StatusOr<Event> EventFromLine(absl::string_view line);

class EventFollower;

class EventJournal {
 public:
  static constexpr int64_t kDefaultMaxBytes = 1 << 20;

  // Makes `dir` (0700) if missing.
  static absl::StatusOr<std::unique_ptr<EventJournal>> Open(
      std::string dir, int64_t max_bytes = kDefaultMaxBytes);

  const std::string& dir() const { return dir_; }
  std::string current_path() const;  // events.log
  std::string rotated_path() const;  // events.log.1

  // Appends one event. Safe from many threads and processes at once; gives
  // up (kUnavailable) if the lock stays taken for seconds.
  absl::Status Append(const Event& event) const;

  // The events kept (both files, oldest first) whose time is within
  // [since, until].
  absl::StatusOr<std::vector<Event>> Read(
      absl::Time since = absl::InfinitePast(),
      absl::Time until = absl::InfiniteFuture()) const;

  // Events as they are appended. With `from_start` the follower first
  // gives every event kept, then the new ones; else only those appended
  // after this call.
  absl::StatusOr<std::unique_ptr<EventFollower>> Follow(bool from_start) const;

 private:
  EventJournal(std::string dir, int64_t max_bytes)
      : dir_(std::move(dir)), max_bytes_(max_bytes) {}

  std::string dir_;
  int64_t max_bytes_;
};

// Reads a journal as it grows, across rotations. Not thread-safe.
class EventFollower {
 public:
  // An inotify descriptor: readable when the journal may have changed.
  // Poll it, then call Next.
  int fd() const { return inotify_.get(); }

  // The events appended since the last call, in the journal's order. Never
  // blocks. Two rotations between calls lose the file in between (it held
  // max_bytes of events the follower was not asked for in time).
  absl::StatusOr<std::vector<Event>> Next();

 private:
  friend class EventJournal;
  EventFollower(std::string current_path) : current_path_(current_path) {}

  // Reads `fd` to its end into `pending_`, moving whole lines to `out`.
  absl::Status Drain(int fd, std::vector<Event>* out);
  // Opens the current file if it exists (a rotation leaves a moment
  // without one); its inode is remembered.
  absl::Status OpenCurrent();

  std::string current_path_;
  UniqueFd inotify_;
  UniqueFd older_;    // the rotated file, to read first (from_start)
  UniqueFd current_;  // the file being followed
  ino_t current_ino_ = 0;
  std::string pending_;  // the start of a line not yet ended
};

}  // namespace crate::engine

#endif  // CRATE_API_ENGINE_EVENT_JOURNAL_H_
