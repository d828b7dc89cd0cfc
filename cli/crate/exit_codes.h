// docker's exit codes: what crate itself could not do is 125; a container
// whose command could not be run is 126 (cannot execute) or 127 (not
// found); anything else is the container's own exit code.
#ifndef CRATE_CLI_CRATE_EXIT_CODES_H_
#define CRATE_CLI_CRATE_EXIT_CODES_H_

#include <grpcpp/impl/codegen/status_code_enum.h>

#include "absl/strings/string_view.h"

namespace crate::cli {

inline constexpr int kExitCrateError = 125;
inline constexpr int kExitCannotExecute = 126;
inline constexpr int kExitNotFound = 127;

// The exit code for an error of create or start. The runtime reports
// exec's failure only as text, so the text decides, with docker's rules
// (cli/command/container/run.go): "executable file not found" or "no such
// file or directory" -> 127, "permission denied" or "is a directory" ->
// 126. Refusals of the request itself (a name in use, a bad option) stay
// 125 whatever they say.
int ExitCodeForRunError(grpc::StatusCode code, absl::string_view message);

}  // namespace crate::cli

#endif  // CRATE_CLI_CRATE_EXIT_CODES_H_
