// Notices containers' exit files as the shims write them (inotify on each
// container's directory, and on containers/ for new ones), so that a
// container's `die` is told while an events stream is open even when
// nothing else looks at the container.
#ifndef CRATE_API_ENGINE_EXIT_WATCHER_H_
#define CRATE_API_ENGINE_EXIT_WATCHER_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "runtime/base/unique_fd.h"

namespace crate::engine {

class ExitWatcher {
 public:
  // Watches every container directory below `containers_dir` (named by a
  // 64-hex ID) and the ones that appear later.
  static absl::StatusOr<std::unique_ptr<ExitWatcher>> Open(
      std::string containers_dir, std::string exit_file_name = "exit.json");

  // Readable when something changed; poll it, then call Changed.
  int fd() const { return inotify_.get(); }

  // The containers whose exit file appeared since the last call, and the
  // ones newly watched (their exit may have come before the watch).
  // Never blocks.
  std::vector<std::string> Changed();

 private:
  ExitWatcher(std::string dir, std::string exit_file_name)
      : dir_(std::move(dir)), exit_file_name_(std::move(exit_file_name)) {}
  // Adds the watch of one container's directory; true if it is new.
  bool Watch(const std::string& id);

  std::string dir_;
  std::string exit_file_name_;
  UniqueFd inotify_;
  int dir_watch_ = -1;
  std::map<int, std::string> ids_;  // watch descriptor -> container ID
};

}  // namespace crate::engine

#endif  // CRATE_API_ENGINE_EXIT_WATCHER_H_
