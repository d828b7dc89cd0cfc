#include "runtime/security/no_new_privs.h"

#include <sys/prctl.h>

#include "runtime/base/errno_status.h"

namespace crate {
namespace security {

absl::Status SetNoNewPrivs() {
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    return ErrnoStatus("prctl PR_SET_NO_NEW_PRIVS 1");
  }
  return absl::OkStatus();
}

absl::StatusOr<bool> GetNoNewPrivs() {
  int v = prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);
  if (v < 0) return ErrnoStatus("prctl PR_GET_NO_NEW_PRIVS");
  return v == 1;
}

}  // namespace security
}  // namespace crate
