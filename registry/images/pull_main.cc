// crate-pull: pulls an image into an image store, as `crate pull` does, for
// debugging and for tests/bench/pull_bench.sh (--crate-pull).
//   crate-pull [--platform OS/ARCH[/VARIANT]] [--all-platforms]
//              [--registries-conf FILE] IMAGE ROOT
// The registries file defaults to DefaultRegistriesConfPath().
// ROOT gets content/, images/ and snapshots/ (ImageService's layout).
#include <chrono>
#include <iostream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "registry/images/image_service.h"
#include "runtime/base/status_macros.h"

namespace crate::registry {
namespace {

absl::Status Run(const std::vector<std::string>& args) {
  PullOptions options;
  std::vector<std::string> rest;
  std::string conf;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--all-platforms") {
      options.all_platforms = true;
      continue;
    }
    if (args[i] == "--registries-conf" && i + 1 < args.size()) {
      conf = args[++i];
      continue;
    }
    if (args[i] == "--platform" && i + 1 < args.size()) {
      ASSIGN_OR_RETURN(options.platform, ParsePlatform(args[++i]));
    } else if (absl::StartsWith(args[i], "--platform=")) {
      ASSIGN_OR_RETURN(
          options.platform,
          ParsePlatform(args[i].substr(sizeof("--platform=") - 1)));
    } else {
      rest.push_back(args[i]);
    }
  }
  if (rest.size() != 2) {
    return absl::InvalidArgumentError(
        "usage: crate-pull [--platform OS/ARCH[/VARIANT]] [--all-platforms] "
        "[--registries-conf FILE] IMAGE ROOT");
  }
  ASSIGN_OR_RETURN(RegistryAccess access, LoadRegistryAccess(conf));
  ASSIGN_OR_RETURN(std::unique_ptr<ImageService> service,
                   ImageService::Open(rest[1], access));
  ASSIGN_OR_RETURN(PullResult r, service->Pull(rest[0], options));
  std::cout << r.reference.String() << " " << r.record.manifest_digest
            << " image " << r.record.config_digest << "\n";
  return absl::OkStatus();
}

}  // namespace
}  // namespace crate::registry

int main(int argc, char** argv) {
  auto start = std::chrono::steady_clock::now();
  absl::Status s =
      crate::registry::Run(std::vector<std::string>(argv + 1, argv + argc));
  if (!s.ok()) {
    std::cerr << "crate-pull: " << s.message() << "\n";
    return absl::IsInvalidArgument(s) ? 2 : 1;
  }
  std::cerr << "pulled in "
            << std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                             start)
                   .count()
            << " s\n";
  return 0;
}
