// The processes one shim holds: the container's init (exec id "") and the
// processes exec'd into it, each with its stdio, its exit once reaped, and
// the clients waiting for that exit.
#ifndef CRATE_RUNTIME_SHIM_PROCESS_TABLE_H_
#define CRATE_RUNTIME_SHIM_PROCESS_TABLE_H_

#include <sys/types.h>

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "runtime/shim/cri_log.h"
#include "runtime/shim/event_loop.h"
#include "runtime/shim/exit_file.h"
#include "runtime/shim/process_io.h"

namespace crate::shim {

struct ShimProcess {
  std::string exec_id;  // "" for the init
  pid_t pid = 0;
  ProcessIo io;
  // The event loop's registrations of io's fds (0: none). With a terminal
  // the master is one registration, for output and for stdin.
  EventLoop::Token stdout_token = 0;
  EventLoop::Token stderr_token = 0;
  EventLoop::Token stdin_token = 0;
  bool exited = false;
  ExitStatus exit;
  // Connections whose wait request is answered at the exit.
  std::vector<uint64_t> waiters;
  // An exec's output goes only to attached clients, and a client attaches
  // after the exec request has been answered: what the process wrote
  // before that is held for the first client, up to kMaxHeldOutput bytes.
  bool attached_once = false;
  std::deque<std::pair<Stream, std::string>> held;  // (stream, frame)
  size_t held_bytes = 0;

  bool is_init() const { return exec_id.empty(); }
};

class ProcessTable {
 public:
  // Exited execs kept for a late wait or attach; the oldest go first.
  static constexpr size_t kMaxExitedExecs = 64;
  static constexpr size_t kMaxHeldOutput = 64 * 1024;

  // A new entry; nullptr when `exec_id` is taken (by a running or a
  // remembered exited process).
  ShimProcess* Add(const std::string& exec_id, pid_t pid);
  ShimProcess* Find(absl::string_view exec_id);
  const ShimProcess* Find(absl::string_view exec_id) const;
  // The running process of that pid (an exited one's pid may be reused).
  ShimProcess* FindRunning(pid_t pid);
  // The init; Add("") must have been called.
  ShimProcess& init() { return *Find(""); }

  // Keeps `frame` of `stream` for the first client of an exec that none
  // has attached to yet; false (dropped) past kMaxHeldOutput.
  static bool Hold(ShimProcess& p, Stream stream, std::string frame);

  // Records that `p` has exited (its `exit` set by the caller) and forgets
  // the oldest exited execs beyond kMaxExitedExecs. `p` stays valid until
  // the next call.
  void Exited(ShimProcess& p);

  // Whether an exec has not been reaped yet.
  bool AnyExecRunning() const;

  template <typename F>
  void ForEach(F f) {
    for (auto& [id, p] : processes_) f(*p);
  }

 private:
  std::map<std::string, std::unique_ptr<ShimProcess>, std::less<>> processes_;
  // Exec ids in the order their processes exited.
  std::deque<std::string> exited_order_;
};

}  // namespace crate::shim

#endif  // CRATE_RUNTIME_SHIM_PROCESS_TABLE_H_
