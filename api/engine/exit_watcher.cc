#include "api/engine/exit_watcher.h"

#include <errno.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <algorithm>
#include <set>

#include "api/engine/ids.h"
#include "runtime/base/errno_status.h"
#include "runtime/base/file_util.h"
#include "runtime/base/status_macros.h"

namespace crate::engine {

absl::StatusOr<std::unique_ptr<ExitWatcher>> ExitWatcher::Open(
    std::string containers_dir, std::string exit_file_name) {
  std::unique_ptr<ExitWatcher> w(
      new ExitWatcher(std::move(containers_dir), std::move(exit_file_name)));
  w->inotify_.Reset(inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
  if (!w->inotify_) return ErrnoStatus("inotify_init1", w->dir_);
  // Containers appear by a rename of their .creating- directory.
  w->dir_watch_ = inotify_add_watch(w->inotify_.get(), w->dir_.c_str(),
                                    IN_MOVED_TO | IN_CREATE | IN_ONLYDIR);
  if (w->dir_watch_ < 0) return ErrnoStatus("inotify_add_watch", w->dir_);
  ASSIGN_OR_RETURN(std::vector<std::string> names, ListDir(w->dir_));
  for (const std::string& name : names) {
    if (IsFullId(name)) w->Watch(name);
  }
  return w;
}

bool ExitWatcher::Watch(const std::string& id) {
  std::string dir = JoinPath(dir_, id);
  // The shim writes a temporary file and renames it into place.
  int wd = inotify_add_watch(inotify_.get(), dir.c_str(),
                             IN_MOVED_TO | IN_CLOSE_WRITE | IN_ONLYDIR);
  if (wd < 0) return false;  // gone already
  return ids_.emplace(wd, id).second;
}

std::vector<std::string> ExitWatcher::Changed() {
  std::set<std::string> changed;
  alignas(struct inotify_event) char buf[16384];
  for (;;) {
    ssize_t n = read(inotify_.get(), buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    for (char* p = buf; p < buf + n;) {
      auto* ev = reinterpret_cast<struct inotify_event*>(p);
      p += sizeof(struct inotify_event) + ev->len;
      std::string name = ev->len > 0 ? std::string(ev->name) : "";
      if (ev->wd == dir_watch_) {
        if (IsFullId(name) && Watch(name)) changed.insert(name);
        continue;
      }
      auto it = ids_.find(ev->wd);
      if (it == ids_.end()) continue;
      if (ev->mask & IN_IGNORED) {
        ids_.erase(it);  // the directory went
      } else if (name == exit_file_name_) {
        changed.insert(it->second);
      }
    }
  }
  return {changed.begin(), changed.end()};
}

}  // namespace crate::engine
