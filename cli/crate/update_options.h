// crate update's flags -> UpdateContainerRequest: only the flags given are
// set, sizes in docker's units. The service checks the values (docker's
// rules); this only parses.
#ifndef CRATE_CLI_CRATE_UPDATE_OPTIONS_H_
#define CRATE_CLI_CRATE_UPDATE_OPTIONS_H_

#include <string>

#include "absl/status/statusor.h"
#include "api/proto/crate/v1/containers.pb.h"

namespace crate::cli {

struct UpdateFlags {
  std::string memory;       // "64m"
  std::string memory_swap;  // "128m", "-1"
  std::string cpus;         // "1.5"
  std::string cpu_shares;   // "512"
  std::string pids_limit;   // "100", "-1"
};

// kInvalidArgument naming the flag; none given is an error too.
absl::StatusOr<crate::v1::UpdateContainerRequest> ToUpdateRequest(
    const UpdateFlags& flags);

}  // namespace crate::cli

#endif  // CRATE_CLI_CRATE_UPDATE_OPTIONS_H_
