// Resource limits of the runtime-spec (process.rlimits) by name, and
// setting them with errors that say why the kernel refused.
#ifndef CRATE_RUNTIME_SECURITY_RLIMITS_H_
#define CRATE_RUNTIME_SECURITY_RLIMITS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace crate {
namespace security {

// RLIM_INFINITY, as config.json writes it (18446744073709551615).
inline constexpr uint64_t kRlimInfinity = ~uint64_t{0};

struct Rlimit {
  int resource = 0;  // RLIMIT_*.
  uint64_t soft = 0;
  uint64_t hard = 0;
};

// "RLIMIT_NOFILE" -> RLIMIT_NOFILE. Exact spelling, as the spec has it.
absl::StatusOr<int> RlimitFromName(absl::string_view name);

// RLIMIT_NOFILE -> "RLIMIT_NOFILE"; unknown numbers give "RLIMIT_<n>".
std::string RlimitName(int resource);

// Checks soft <= hard before any syscall, then setrlimit. Raising a hard
// limit needs CAP_SYS_RESOURCE, and the error says so with the current
// value ("rlimit RLIMIT_NOFILE hard 1048576 above current 20000 needs
// CAP_SYS_RESOURCE").
absl::Status SetRlimit(const Rlimit& limit);

// Each in order; stops at the first error.
absl::Status SetRlimits(const std::vector<Rlimit>& limits);

}  // namespace security
}  // namespace crate

#endif  // CRATE_RUNTIME_SECURITY_RLIMITS_H_
