// The stdio of one process of the container, from the shim's side: pipes
// for stdout and stderr (and stdin when the process takes input), or a
// terminal, whose master the process sends over a socket once it has made
// it inside the container (runtime/linux/console.h).
//
// Every fd the shim keeps is non-blocking: a process that does not read its
// stdin or floods its output never stops the shim's loop.
#ifndef CRATE_RUNTIME_SHIM_PROCESS_IO_H_
#define CRATE_RUNTIME_SHIM_PROCESS_IO_H_

#include <array>
#include <cstddef>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "runtime/base/unique_fd.h"

namespace crate::shim {

class ProcessIo {
 public:
  // Stdin bytes held for a process that has not read them, past which the
  // clients that write them are not read from.
  static constexpr size_t kMaxQueuedStdin = 256 * 1024;

  // With `tty`, a socket pair over which the master comes; else pipes, and
  // stdin from /dev/null unless `open_stdin`.
  static absl::StatusOr<ProcessIo> Make(bool tty, bool open_stdin);

  ProcessIo() = default;
  ProcessIo(ProcessIo&&) = default;
  ProcessIo& operator=(ProcessIo&&) = default;

  // For CreateOptions/ExecOptions: the process's fds 0-2 (all -1 with a
  // terminal, whose slave the process installs itself) and the socket the
  // master is sent over (-1 without).
  std::array<int, 3> child_stdio() const;
  int console_fd() const { return console_theirs_.get(); }

  // Once the process exists: closes its ends here and, with a terminal,
  // takes the master it sent (FailedPrecondition if none came).
  absl::Status Created();

  bool tty() const { return tty_; }
  // What the shim reads: the master with a terminal. -1 once closed.
  int stdout_fd() const { return tty_ ? master_.get() : stdout_.get(); }
  int stderr_fd() const { return stderr_.get(); }
  // What stdin is written to: the master, the pipe, or -1.
  int stdin_fd() const { return tty_ ? master_.get() : stdin_.get(); }
  // Whether the process takes input at all (a terminal always does).
  bool has_stdin() const { return tty_ || has_stdin_; }

  // Reads at most `size` bytes of `fd` (stdout_fd or stderr_fd): the
  // count, 0 when nothing is there now, -1 at the end (the writers are
  // gone; a terminal says EIO then).
  static ssize_t Read(int fd, char* buf, size_t size);

  // Closes the shim's end of stdout or stderr after their end (for a
  // terminal, the master, when it is also done with stdin).
  void CloseStdout();
  void CloseStderr();

  // Holds `data` for stdin; WriteStdin writes it as the fd takes it.
  // Dropped once stdin is being closed.
  void QueueStdin(absl::string_view data);
  // Writes what is held; whether some is left (wait until the fd is
  // writable). A reader that is gone drops the rest.
  bool WriteStdin();
  size_t stdin_queued() const { return stdin_queue_.size(); }
  // The client's end of input, once what is held has been written.
  void CloseStdin();
  // Whether CloseStdin was asked, all is written, and FinishStdin is due.
  bool stdin_finishing() const {
    return stdin_closing_ && !stdin_closed_ && stdin_queue_.empty();
  }
  // Closes the stdin pipe (the caller has stopped watching it); a
  // terminal, whose master is also the output, is sent its end-of-file
  // character (^D) instead.
  void FinishStdin();

  // Sets the terminal's size; FailedPrecondition without a terminal.
  absl::Status Resize(int rows, int cols);

 private:
  bool tty_ = false;
  bool has_stdin_ = false;
  bool stdin_closing_ = false;
  bool stdin_closed_ = false;
  // The process's ends, closed by Created.
  UniqueFd child_in_, child_out_, child_err_, console_theirs_;
  // Ours.
  UniqueFd stdin_, stdout_, stderr_, console_ours_, master_;
  std::string stdin_queue_;
};

}  // namespace crate::shim

#endif  // CRATE_RUNTIME_SHIM_PROCESS_IO_H_
