// The flags runc's checkpoint and restore share, for both commands.
#ifndef CRATE_CLI_CRATE_RUNTIME_CRIU_FLAGS_H_
#define CRATE_CLI_CRATE_RUNTIME_CRIU_FLAGS_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "cli/crate-runtime/flags.h"
#include "runtime/criu/plan.h"

namespace crate::cli {

struct CriuCommonFlags {
  std::vector<std::string> empty_ns;
  bool lazy_pages = false;
};

// --work-path, --tcp-established, --ext-unix-sk, --shell-job, --file-locks,
// --manage-cgroups-mode, --auto-dedup into `o`; --empty-ns and
// --lazy-pages into `extra`, for CheckCriuCommonFlags.
void AddCriuCommonFlags(Flags& flags, criu::CommonOptions* o,
                        CriuCommonFlags* extra);

// What crate-runtime cannot do of them: an --empty-ns other than network
// (which is always restored empty).
absl::Status CheckCriuCommonFlags(const CriuCommonFlags& extra);

}  // namespace crate::cli

#endif  // CRATE_CLI_CRATE_RUNTIME_CRIU_FLAGS_H_
