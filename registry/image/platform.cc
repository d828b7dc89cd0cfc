#include "registry/image/platform.h"

#include <sys/utsname.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace crate::registry {
namespace {

bool ValidName(absl::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '_' &&
        c != '-' && c != '.') {
      return false;
    }
  }
  return true;
}

// Variants compatible with `host` for one architecture, best first.
std::vector<Platform> Ladder(const Platform& host) {
  Platform h = Normalize(host);
  std::vector<Platform> out = {h};
  auto arm_down = [&](int from) {
    for (int v = from; v >= 5; --v) {
      out.push_back({h.os, "arm", absl::StrCat("v", v)});
    }
  };
  if (h.architecture == "amd64") {
    // amd64 micro-architecture levels: a v3 host runs v2 and v1 images.
    int level = 1;
    if (h.variant.size() == 2 && h.variant[0] == 'v')
      level = h.variant[1] - '0';
    for (int v = level - 1; v >= 1; --v) {
      out.push_back({h.os, "amd64", v == 1 ? "" : absl::StrCat("v", v)});
    }
    out.push_back({h.os, "386", ""});
  } else if (h.architecture == "arm64") {
    arm_down(8);
  } else if (h.architecture == "arm") {
    if (h.variant.size() == 2 && h.variant[0] == 'v') {
      arm_down(h.variant[1] - '0' - 1);
    }
  }
  return out;
}

}  // namespace

std::string Platform::ToString() const {
  std::string out = absl::StrCat(os, "/", architecture);
  if (!variant.empty()) absl::StrAppend(&out, "/", variant);
  return out;
}

Platform Normalize(const Platform& p) {
  Platform n = p;
  n.os = absl::AsciiStrToLower(p.os);
  if (n.os == "macos") n.os = "darwin";
  n.architecture = absl::AsciiStrToLower(p.architecture);
  n.variant = absl::AsciiStrToLower(p.variant);
  const std::string& a = n.architecture;
  if (a == "i386" || a == "i686" || a == "x86") {
    n.architecture = "386";
    n.variant.clear();
  } else if (a == "x86_64" || a == "x86-64" || a == "amd64") {
    n.architecture = "amd64";
    if (n.variant == "v1") n.variant.clear();
  } else if (a == "aarch64" || a == "arm64") {
    n.architecture = "arm64";
    if (n.variant.empty() || n.variant == "8" || n.variant == "v8.0") {
      n.variant = "v8";
    }
  } else if (a == "armhf") {
    n.architecture = "arm";
    n.variant = "v7";
  } else if (a == "armel") {
    n.architecture = "arm";
    n.variant = "v6";
  } else if (a == "arm") {
    if (n.variant.empty()) n.variant = "v7";
    if (n.variant.size() == 1 && n.variant[0] >= '5' && n.variant[0] <= '8') {
      n.variant = absl::StrCat("v", n.variant);
    }
  }
  return n;
}

absl::StatusOr<Platform> ParsePlatform(absl::string_view s) {
  std::vector<std::string> parts = absl::StrSplit(s, '/');
  Platform p;
  if (parts.size() == 1) {
    p.os = "linux";
    p.architecture = parts[0];
  } else if (parts.size() == 2 || parts.size() == 3) {
    p.os = parts[0];
    p.architecture = parts[1];
    if (parts.size() == 3) p.variant = parts[2];
  } else {
    return absl::InvalidArgumentError(absl::StrCat(
        "invalid platform \"", s, "\": expected os/arch[/variant]"));
  }
  if (!ValidName(p.os) || !ValidName(p.architecture) ||
      (parts.size() == 3 && !ValidName(p.variant))) {
    return absl::InvalidArgumentError(absl::StrCat(
        "invalid platform \"", s, "\": expected os/arch[/variant]"));
  }
  return Normalize(p);
}

Platform PlatformForMachine(absl::string_view machine) {
  Platform p;
  p.os = "linux";
  if (machine == "x86_64" || machine == "amd64") {
    p.architecture = "amd64";
  } else if (machine == "aarch64" || machine == "arm64" ||
             machine == "aarch64_be") {
    p.architecture = "arm64";
    p.variant = "v8";
  } else if (absl::StartsWith(machine, "armv") && machine.size() >= 5 &&
             absl::ascii_isdigit(static_cast<unsigned char>(machine[4]))) {
    // armv5tel, armv6l, armv7l, armv8l (a 32-bit kernel on a v8 core).
    p.architecture = "arm";
    p.variant = absl::StrCat("v", machine.substr(4, 1));
  } else if (machine == "i386" || machine == "i486" || machine == "i586" ||
             machine == "i686") {
    p.architecture = "386";
  } else if (machine == "loongarch64") {
    p.architecture = "loong64";
  } else {
    // ppc64le, s390x, riscv64, mips64: uname and GOARCH agree.
    p.architecture = std::string(machine);
  }
  return Normalize(p);
}

Platform HostPlatform() {
  struct utsname u;
  if (::uname(&u) != 0) return PlatformForMachine("x86_64");
  return PlatformForMachine(u.machine);
}

int PlatformRank(const Platform& host, const Platform& candidate) {
  Platform c = Normalize(candidate);
  std::vector<Platform> ladder = Ladder(host);
  for (size_t i = 0; i < ladder.size(); ++i) {
    if (ladder[i] == c) return static_cast<int>(i);
  }
  return -1;
}

}  // namespace crate::registry
