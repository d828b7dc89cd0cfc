// docker's -u (name|uid[:group|gid]) resolved against the image's own
// /etc/passwd and /etc/group, with runc's rules (libcontainer/user's
// GetExecUser): a name must be in the file, a number need not be; a user
// given without a group gets the primary group from /etc/passwd (0 for a
// number that is not there) and, as supplementary groups, every group of
// /etc/group that lists the user's name.
#ifndef CRATE_RUNTIME_CONTAINER_USERS_H_
#define CRATE_RUNTIME_CONTAINER_USERS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace crate::container {

struct PasswdEntry {
  std::string name;
  uint32_t uid = 0;
  uint32_t gid = 0;
  std::string home;
};

struct GroupEntry {
  std::string name;
  uint32_t gid = 0;
  std::vector<std::string> members;
};

// The entries of an /etc/passwd or /etc/group text, in file order. Blank
// lines, comments, NIS (+/-) lines and lines whose IDs are not numbers are
// skipped: a broken line must never read as uid 0.
std::vector<PasswdEntry> ParsePasswd(absl::string_view text);
std::vector<GroupEntry> ParseGroup(absl::string_view text);

struct ResolvedUser {
  uint32_t uid = 0;
  uint32_t gid = 0;
  std::vector<uint32_t> additional_gids;
  std::string home = "/";
};

// `spec` is "" (root), "name", "uid", or either with ":group" or ":gid".
// The first matching entry wins. Errors are kInvalidArgument and name the
// user or group that is missing; the caller says which option it came from.
absl::StatusOr<ResolvedUser> ResolveUser(absl::string_view spec,
                                         absl::string_view etc_passwd,
                                         absl::string_view etc_group);

}  // namespace crate::container

#endif  // CRATE_RUNTIME_CONTAINER_USERS_H_
