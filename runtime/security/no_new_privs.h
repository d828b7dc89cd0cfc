// The no_new_privs bit (process.noNewPrivileges): once set, execve cannot
// grant privileges (setuid bits, file capabilities). A seccomp filter needs
// it unless the process has CAP_SYS_ADMIN.
#ifndef CRATE_RUNTIME_SECURITY_NO_NEW_PRIVS_H_
#define CRATE_RUNTIME_SECURITY_NO_NEW_PRIVS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace crate {
namespace security {

// Irreversible for this process and its children.
absl::Status SetNoNewPrivs();

absl::StatusOr<bool> GetNoNewPrivs();

}  // namespace security
}  // namespace crate

#endif  // CRATE_RUNTIME_SECURITY_NO_NEW_PRIVS_H_
