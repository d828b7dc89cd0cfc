// Container names as symlinks `<dir>/<name> -> <id>`. symlink(2) creates
// the link or fails with EEXIST in one step, so a name is claimed by
// exactly one container with no check-then-write, across threads and
// processes alike.
//
// Only releasing a name takes a lock: shared for an owner letting go of its
// own name, exclusive for ReleaseIf, which judges other containers' names.
// Without it ReleaseIf could read "web -> A", decide A is gone, and unlink
// a "web" that A released and B claimed in between.
#ifndef CRATE_API_ENGINE_NAME_LINKS_H_
#define CRATE_API_ENGINE_NAME_LINKS_H_

#include <map>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace crate::engine {

class NameLinks {
 public:
  // `dir` must exist.
  explicit NameLinks(std::string dir) : dir_(std::move(dir)) {}

  // Makes `name` point at `id`, durably (the directory is fsynced, so a
  // record written after a claim never names a link a crash undid).
  // kAlreadyExists names the container that holds it.
  absl::Status Claim(absl::string_view name, absl::string_view id) const;

  // Removes `name` if it still points at `id`; a name that is gone or now
  // points elsewhere is left alone and is not an error.
  absl::Status Release(absl::string_view name, absl::string_view id) const;

  // The ID `name` points at; kNotFound if there is no such link.
  absl::StatusOr<std::string> Lookup(absl::string_view name) const;

  // Every link, name -> target. Entries that are not symlinks are reported
  // in `problems` and left alone.
  absl::StatusOr<std::map<std::string, std::string>> List(
      std::vector<absl::Status>* problems) const;

  // Under the exclusive lock, removes each link for which
  // `stale(name, target)` holds, and returns their names.
  absl::StatusOr<std::vector<std::string>> ReleaseIf(
      absl::FunctionRef<bool(const std::string& name,
                             const std::string& target)>
          stale,
      std::vector<absl::Status>* problems) const;

  const std::string& dir() const { return dir_; }

 private:
  std::string Path(absl::string_view name) const;

  std::string dir_;
};

}  // namespace crate::engine

#endif  // CRATE_API_ENGINE_NAME_LINKS_H_
