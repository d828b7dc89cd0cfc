#include "runtime/security/rlimits.h"

#include <errno.h>
#include <sys/resource.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "runtime/base/errno_status.h"
#include "runtime/base/status_macros.h"
#include "runtime/security/names.h"

namespace crate {
namespace security {
namespace {

std::string Value(uint64_t v) {
  return v == kRlimInfinity ? std::string("unlimited") : absl::StrCat(v);
}

}  // namespace

absl::StatusOr<int> RlimitFromName(absl::string_view name) {
  for (const NamedRlimit& e : kRlimitNames) {
    if (name == e.name) return e.resource;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("process.rlimits: unknown type '", name, "'"));
}

std::string RlimitName(int resource) {
  for (const NamedRlimit& e : kRlimitNames) {
    if (resource == e.resource) return e.name;
  }
  return absl::StrCat("RLIMIT_", resource);
}

absl::Status SetRlimit(const Rlimit& limit) {
  std::string name = RlimitName(limit.resource);
  if (limit.soft > limit.hard) {
    return absl::InvalidArgumentError(
        absl::StrCat("rlimit ", name, ": soft ", Value(limit.soft),
                     " above hard ", Value(limit.hard)));
  }
  struct rlimit rl;
  rl.rlim_cur = static_cast<rlim_t>(limit.soft);
  rl.rlim_max = static_cast<rlim_t>(limit.hard);
  if (setrlimit(static_cast<__rlimit_resource_t>(limit.resource), &rl) == 0) {
    return absl::OkStatus();
  }
  int err = errno;
  struct rlimit now;
  if (err == EPERM &&
      getrlimit(static_cast<__rlimit_resource_t>(limit.resource), &now) == 0 &&
      limit.hard > now.rlim_max) {
    return absl::PermissionDeniedError(absl::StrCat(
        "rlimit ", name, " hard ", Value(limit.hard), " above current ",
        Value(now.rlim_max), " needs CAP_SYS_RESOURCE"));
  }
  if (err == EPERM && limit.resource == RLIMIT_NOFILE) {
    return absl::PermissionDeniedError(
        absl::StrCat("rlimit ", name, " ", Value(limit.hard),
                     " above fs.nr_open (/proc/sys/fs/nr_open)"));
  }
  return ::crate::ErrnoToStatus(
      err, absl::StrCat("setrlimit ", name, " soft ", Value(limit.soft),
                        " hard ", Value(limit.hard)));
}

absl::Status SetRlimits(const std::vector<Rlimit>& limits) {
  for (const Rlimit& l : limits) RETURN_IF_ERROR(SetRlimit(l));
  return absl::OkStatus();
}

}  // namespace security
}  // namespace crate
