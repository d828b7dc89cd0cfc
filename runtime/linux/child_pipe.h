// The pipes between the runtime and the processes it forks to build a
// container. A read on such a pipe must never outlive the process that was
// to write it: a child that dies without a word, or a pipe whose write end
// some other process still holds, would otherwise block the runtime
// forever. ChildReader watches the writer (pidfd, or a poll timeout and
// /proc where pidfds are missing) alongside the pipe.
//
// Messages are a tag byte and, for errors, a length and the text, so the
// reader never waits for end of file to know a message is whole.
#ifndef CRATE_RUNTIME_LINUX_CHILD_PIPE_H_
#define CRATE_RUNTIME_LINUX_CHILD_PIPE_H_

#include <sys/types.h>

#include <string>

#include "absl/status/status.h"
#include "runtime/base/unique_fd.h"

namespace crate::linux {

// Tags of the sync pipe (child to runtime) and the go pipe.
inline constexpr char kTagReady = 'R';
inline constexpr char kTagError = 'E';
inline constexpr char kTagPid = 'P';
// A pid the intermediate could not clone into the v2 cgroup: the caller
// moves it.
inline constexpr char kTagPidOutsideCgroup = 'Q';
inline constexpr char kTagGo = 'G';
inline constexpr char kTagHooks = 'H';

// Async-signal-safe writes for the child side (after fork).
bool WriteAll(int fd, const void* data, size_t size);
// kTagError, the message's length and the message; false if the reader
// is gone.
bool WriteError(int fd, const absl::Status& status);
// Reads exactly `size` bytes or up to end of file; the count, or -1. For
// the child side, whose writer (the runtime) closing the pipe is its cue.
ssize_t ReadFull(int fd, void* data, size_t size);

class ChildReader {
 public:
  // `fd` is borrowed: the read end of a pipe that process `pid` writes.
  ChildReader(int fd, pid_t pid);

  // Reads from then on watch `pid` instead (the intermediate's child).
  void Watch(pid_t pid);

  // Exactly `size` bytes; false on end of file, an error, or the watched
  // process's death before they were all written.
  bool ReadFull(void* data, size_t size);

  // After kTagError: the message (its length, then the text).
  std::string ReadErrorMessage();

  // Whether the watched process has exited (a zombie counts).
  bool WriterDead();

 private:
  // Waits until the pipe has data or end of file (true) or the writer has
  // died with nothing left to read (false).
  bool WaitReadable();

  int fd_;
  pid_t pid_ = 0;
  UniqueFd pidfd_;
};

// Gone, or a zombie nobody reaps yet (its parent may be us, in `run`).
bool ProcessGone(pid_t pid);

}  // namespace crate::linux

#endif  // CRATE_RUNTIME_LINUX_CHILD_PIPE_H_
