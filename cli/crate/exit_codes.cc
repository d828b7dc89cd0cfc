#include "cli/crate/exit_codes.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"

namespace crate::cli {

int ExitCodeForRunError(grpc::StatusCode code, absl::string_view message) {
  if (code == grpc::StatusCode::OK) return 0;
  if (code == grpc::StatusCode::ALREADY_EXISTS ||
      code == grpc::StatusCode::INVALID_ARGUMENT ||
      code == grpc::StatusCode::UNAVAILABLE ||
      code == grpc::StatusCode::DEADLINE_EXCEEDED ||
      code == grpc::StatusCode::UNIMPLEMENTED) {
    return kExitCrateError;
  }
  std::string text = absl::AsciiStrToLower(message);
  if (absl::StrContains(text, "executable file not found") ||
      absl::StrContains(text, "no such file or directory")) {
    return kExitNotFound;
  }
  if (absl::StrContains(text, "permission denied") ||
      absl::StrContains(text, "is a directory")) {
    return kExitCannotExecute;
  }
  return kExitCrateError;
}

}  // namespace crate::cli
