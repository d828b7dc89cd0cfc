// Platforms ("linux/arm64/v8") and the choice of one manifest from a
// multi-platform index, with containerd's rules for normalising names
// (aarch64 is arm64, armhf is arm/v7, ...) and for which platforms a host
// can run (an arm/v7 host runs v6 and v5 too; arm64 runs 32-bit arm).
#ifndef CRATE_REGISTRY_IMAGE_PLATFORM_H_
#define CRATE_REGISTRY_IMAGE_PLATFORM_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace crate::registry {

struct Platform {
  std::string os;            // "linux"
  std::string architecture;  // GOARCH names: "amd64", "arm64", "arm", "386"
  std::string variant;       // "v7", "v8"; empty when the arch has none
  std::string os_version;
  std::vector<std::string> os_features;

  // "os/arch" or "os/arch/variant".
  std::string ToString() const;
  friend bool operator==(const Platform& a, const Platform& b) {
    return a.os == b.os && a.architecture == b.architecture &&
           a.variant == b.variant;
  }
};

// Parses "os/arch[/variant]", or a bare "arch" meaning linux/arch, and
// normalises it. kInvalidArgument names the input.
absl::StatusOr<Platform> ParsePlatform(absl::string_view s);

// Canonical names: lowercase, "aarch64" -> arm64, "x86_64" -> amd64,
// "armhf" -> arm/v7, "armel" -> arm/v6, "i386" -> 386, arm without variant ->
// v7, arm64 without variant -> v8.
Platform Normalize(const Platform& p);

// The platform of a `uname -m` machine name on Linux ("x86_64", "aarch64",
// "armv7l"). Unknown names are used as the architecture as they are.
Platform PlatformForMachine(absl::string_view machine);

// This host: PlatformForMachine(uname().machine).
Platform HostPlatform();

// How well an image for `candidate` suits a host of `host`: 0 is an exact
// match, larger is a fallback (arm/v6 on an arm/v7 host), -1 cannot run.
int PlatformRank(const Platform& host, const Platform& candidate);

}  // namespace crate::registry

#endif  // CRATE_REGISTRY_IMAGE_PLATFORM_H_
