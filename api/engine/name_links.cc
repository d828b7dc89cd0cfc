#include "api/engine/name_links.h"

#include <errno.h>
#include <limits.h>
#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "api/engine/dir_lock.h"
#include "api/engine/dir_ops.h"
#include "api/engine/ids.h"
#include "runtime/base/errno_status.h"
#include "runtime/base/file_util.h"
#include "runtime/base/status_macros.h"

namespace crate::engine {
namespace {

absl::StatusOr<std::string> ReadLink(const std::string& path) {
  char buf[PATH_MAX];
  ssize_t n = ::readlink(path.c_str(), buf, sizeof(buf));
  if (n < 0) return ErrnoStatus("readlink", path);
  return std::string(buf, static_cast<size_t>(n));
}

absl::Status UnlinkIfPointsAt(const std::string& path, absl::string_view id) {
  absl::StatusOr<std::string> target = ReadLink(path);
  if (!target.ok()) {
    if (absl::IsNotFound(target.status())) return absl::OkStatus();
    return target.status();
  }
  if (*target != id) return absl::OkStatus();
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    return ErrnoStatus("unlink", path);
  }
  return absl::OkStatus();
}

}  // namespace

std::string NameLinks::Path(absl::string_view name) const {
  return JoinPath(dir_, name);
}

absl::Status NameLinks::Claim(absl::string_view name,
                              absl::string_view id) const {
  std::string path = Path(name);
  std::string target(id);
  if (::symlink(target.c_str(), path.c_str()) != 0) {
    if (errno != EEXIST) return ErrnoStatus("symlink", path);
    absl::StatusOr<std::string> owner = ReadLink(path);
    std::string who = owner.ok() ? absl::StrCat("container ", ShortId(*owner))
                                 : "another container";
    return absl::AlreadyExistsError(absl::StrCat(
        "the container name \"", name, "\" is already in use by ", who,
        "; remove or rename that container to reuse the name"));
  }
  absl::Status synced = SyncDir(dir_);
  if (!synced.ok()) {
    ::unlink(path.c_str());
    return synced;
  }
  return absl::OkStatus();
}

absl::Status NameLinks::Release(absl::string_view name,
                                absl::string_view id) const {
  ASSIGN_OR_RETURN(DirLock lock,
                   DirLock::Acquire(dir_, DirLock::Mode::kShared));
  return UnlinkIfPointsAt(Path(name), id);
}

absl::StatusOr<std::string> NameLinks::Lookup(absl::string_view name) const {
  absl::StatusOr<std::string> target = ReadLink(Path(name));
  if (!target.ok() && (absl::IsNotFound(target.status()) ||
                       absl::IsInvalidArgument(target.status()))) {
    // EINVAL: an entry that is not a symlink is no name either.
    return absl::NotFoundError(absl::StrCat("no container named ", name));
  }
  return target;
}

absl::StatusOr<std::map<std::string, std::string>> NameLinks::List(
    std::vector<absl::Status>* problems) const {
  ASSIGN_OR_RETURN(std::vector<std::string> entries, ListDir(dir_));
  std::map<std::string, std::string> links;
  for (const std::string& name : entries) {
    absl::StatusOr<std::string> target = ReadLink(Path(name));
    if (target.ok()) {
      links.emplace(name, *std::move(target));
    } else if (absl::IsInvalidArgument(target.status())) {
      problems->push_back(absl::FailedPreconditionError(
          absl::StrCat(Path(name),
                       ": not a symlink, so not a container "
                       "name; left alone")));
    } else if (!absl::IsNotFound(target.status())) {
      // Gone since ListDir is a release, not a problem.
      problems->push_back(target.status());
    }
  }
  return links;
}

absl::StatusOr<std::vector<std::string>> NameLinks::ReleaseIf(
    absl::FunctionRef<bool(const std::string&, const std::string&)> stale,
    std::vector<absl::Status>* problems) const {
  ASSIGN_OR_RETURN(DirLock lock, DirLock::Acquire(dir_));
  ASSIGN_OR_RETURN(auto links, List(problems));
  std::vector<std::string> released;
  for (const auto& [name, target] : links) {
    if (!stale(name, target)) continue;
    std::string path = Path(name);
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
      problems->push_back(ErrnoStatus("unlink", path));
      continue;
    }
    released.push_back(name);
  }
  return released;
}

}  // namespace crate::engine
