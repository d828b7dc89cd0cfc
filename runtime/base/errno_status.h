// Turns errno into an absl::Status that names the operation and the path,
// so that an error read by a user says what failed and where.
#ifndef CRATE_RUNTIME_BASE_ERRNO_STATUS_H_
#define CRATE_RUNTIME_BASE_ERRNO_STATUS_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace crate {

// "open /run/x: No such file or directory", with a code chosen from errno.
absl::Status ErrnoToStatus(int err, absl::string_view op,
                           absl::string_view path = {});

// Same, reading errno.
absl::Status ErrnoStatus(absl::string_view op, absl::string_view path = {});

// Maps an errno value to the nearest canonical code.
absl::StatusCode ErrnoToCode(int err);

// Prefixes a status message with context ("container abc: ...").
absl::Status Annotate(const absl::Status& status, absl::string_view context);

}  // namespace crate

#endif  // CRATE_RUNTIME_BASE_ERRNO_STATUS_H_
