// The CLI's side of "on demand": a client that finds no crated on the
// default socket starts one and waits for it. Clients starting at once
// take a lock first, so exactly one crated is started (and crated's own
// lock makes a stray second one leave).
#ifndef CRATE_CLI_CRATE_SERVICE_STARTER_H_
#define CRATE_CLI_CRATE_SERVICE_STARTER_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace crate::cli {

struct StartOptions {
  std::string socket_path;  // /run/crate/crate.sock
  // The crated binary; empty: $CRATE_CRATED, else beside this program (its
  // own directory, or ../crated/ as in a build tree), else $PATH.
  std::string crated;
  std::vector<std::string> crated_args;
  absl::Duration timeout = absl::Seconds(10);
};

// Another of crate's binaries beside this program: in its own directory
// (installed) or in ../NAME/NAME (a build tree); empty when neither is
// executable.
std::string FindSiblingBinary(const std::string& name);

// Whether something accepts connections on the unix socket.
bool ServiceAnswers(const std::string& socket_path);

// Returns once a service answers on options.socket_path, starting crated
// if none does. The error names the binary and quotes the end of its log
// (<run dir>/crated.log) when it did not come up.
absl::Status EnsureService(const StartOptions& options);

}  // namespace crate::cli

#endif  // CRATE_CLI_CRATE_SERVICE_STARTER_H_
