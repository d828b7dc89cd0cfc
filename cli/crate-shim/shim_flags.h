// crate-shim's command line (docs/SERVICE.md, "The shim"):
//
//   crate-shim --id ID --bundle DIR --runtime-root DIR --shim-dir DIR
//     --log FILE [--log-max BYTES] --exit-file FILE [--tty] [--stdin]
//     --ready-fd N
//
// Parsed by hand, as crate-runtime's flags are: the shim starts for every
// container and has nothing else to load.
#ifndef CRATE_CLI_CRATE_SHIM_SHIM_FLAGS_H_
#define CRATE_CLI_CRATE_SHIM_SHIM_FLAGS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "runtime/shim/shim.h"

namespace crate::cli {

struct ShimFlags {
  shim::ShimConfig config;
  std::string bundle;
  std::string runtime_root;
  int ready_fd = -1;
  bool help = false;
  bool version = false;
};

// "--name value" or "--name=value"; booleans take no value (or =true,
// =false). Every path is made absolute against `cwd`, since the shim then
// moves to "/". InvalidArgument naming the flag; with --help or --version
// nothing else is required.
absl::StatusOr<ShimFlags> ParseShimFlags(const std::vector<std::string>& args,
                                         absl::string_view cwd);

extern const char kShimUsage[];

}  // namespace crate::cli

#endif  // CRATE_CLI_CRATE_SHIM_SHIM_FLAGS_H_
