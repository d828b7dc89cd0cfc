#include "runtime/container/mounts.h"

#include <algorithm>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "runtime/base/status_macros.h"
#include "runtime/container/paths.h"

namespace crate::container {
namespace {

// Flags the kernel's tmpfs takes, in pairs of opposites where they have
// one: a later flag replaces its opposite.
constexpr std::pair<const char*, const char*> kTmpfsFlags[] = {
    {"rw", "ro"},
    {"exec", "noexec"},
    {"suid", "nosuid"},
    {"dev", "nodev"},
    {"sync", "async"},
    {"atime", "noatime"},
    {"diratime", "nodiratime"},
    {"relatime", "norelatime"},
    {"strictatime", "nostrictatime"},
    {"lazytime", "nolazytime"},
    {"mand", "nomand"},
    {"inode32", "inode64"},
    {"dirsync", ""},
    {"noswap", ""},
};

// The flag `f` replaces, or "" when none.
absl::string_view Opposite(absl::string_view f) {
  for (const auto& [a, b] : kTmpfsFlags) {
    if (f == a) return b;
    if (f == b && *b != '\0') return a;
  }
  return "";
}

bool IsTmpfsFlag(absl::string_view f) {
  for (const auto& [a, b] : kTmpfsFlags) {
    if (f == a || (f == b && *b != '\0')) return true;
  }
  return false;
}

// Digits with an optional suffix from `suffixes` ("64m", "50%").
bool IsAmount(absl::string_view v, absl::string_view suffixes) {
  if (!v.empty() && suffixes.find(v.back()) != absl::string_view::npos) {
    v.remove_suffix(1);
  }
  return !v.empty() && std::all_of(v.begin(), v.end(), [](char c) {
    return absl::ascii_isdigit(static_cast<unsigned char>(c));
  });
}

bool IsOctalMode(absl::string_view v) {
  return !v.empty() && v.size() <= 5 &&
         std::all_of(v.begin(), v.end(),
                     [](char c) { return c >= '0' && c <= '7'; }) &&
         std::stoul(std::string(v), nullptr, 8) <= 07777;
}

absl::Status CheckTmpfsData(absl::string_view what, absl::string_view key,
                            absl::string_view value) {
  auto bad = [&](absl::string_view want) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": ", key, ": \"", value, "\" is not ", want));
  };
  constexpr char kSuffixes[] = "kKmMgGtTpPeE";
  if (key == "size") {
    if (!IsAmount(value, absl::StrCat(kSuffixes, "%"))) {
      return bad("a size like 64m or 50%");
    }
  } else if (key == "nr_blocks" || key == "nr_inodes") {
    if (!IsAmount(value, kSuffixes)) return bad("a number like 1k");
  } else if (key == "mode") {
    if (!IsOctalMode(value)) return bad("an octal mode like 1777");
  } else if (key == "uid" || key == "gid") {
    if (!IsAmount(value, "")) return bad("a number");
  } else if (key == "huge") {
    static const std::set<absl::string_view> kHuge = {
        "never", "always", "within_size", "advise", "deny", "force"};
    if (kHuge.count(value) == 0) {
      return bad("never, always, within_size, advise, deny or force");
    }
  } else if (key == "mpol") {
    if (value.empty()) return bad("a memory policy");
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": unknown option \"", key, "=", value, "\""));
  }
  return absl::OkStatus();
}

std::string Describe(const Mount& m) {
  switch (m.type) {
    case MountType::kBind:
      return absl::StrCat("--volume ", m.source, ":", m.destination);
    case MountType::kVolume:
      return absl::StrCat("--volume ", m.volume_name, ":", m.destination);
    case MountType::kTmpfs:
      return absl::StrCat("--tmpfs ", m.destination);
  }
  return "";
}

bool IsPropagation(absl::string_view p) {
  static const std::set<absl::string_view> kModes = {
      "private", "rprivate", "shared", "rshared", "slave", "rslave"};
  return kModes.count(p) > 0;
}

// Docker's tmpfs defaults (noexec, nosuid, nodev) then the user's options;
// a later option replaces an earlier one of the same kind.
std::vector<std::string> TmpfsOptions(const Mount& m) {
  std::vector<std::string> opts = {"noexec", "nosuid", "nodev"};
  std::vector<std::string> given =
      absl::StrSplit(m.options, ',', absl::SkipEmpty());
  if (m.read_only) given.push_back("ro");
  for (const std::string& o : given) {
    absl::string_view key = absl::string_view(o).substr(0, o.find('='));
    absl::string_view opposite = Opposite(o);
    opts.erase(
        std::remove_if(opts.begin(), opts.end(),
                       [&](const std::string& e) {
                         if (e == o || (!opposite.empty() && e == opposite)) {
                           return true;
                         }
                         return o.find('=') != std::string::npos &&
                                absl::StartsWith(e, absl::StrCat(key, "="));
                       }),
        opts.end());
    opts.push_back(o);
  }
  return opts;
}

absl::StatusOr<oci::Mount> UserMount(const Mount& m) {
  std::string what = Describe(m);
  oci::Mount out;
  out.destination = CleanAbsolutePath(m.destination);
  if (m.type == MountType::kTmpfs) {
    RETURN_IF_ERROR(CheckTmpfsOptions(what, m.options));
    out.type = "tmpfs";
    out.source = "tmpfs";
    out.options = TmpfsOptions(m);
    return out;
  }
  if (m.source.empty() || m.source[0] != '/') {
    return absl::InvalidArgumentError(absl::StrCat(
        what, ": the ",
        m.type == MountType::kBind ? "host path" : "volume's directory", " \"",
        m.source, "\" is not absolute"));
  }
  if (!m.options.empty() && !IsPropagation(m.options)) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": unknown propagation \"", m.options,
                     "\" (want private, rprivate, shared, rshared, slave or "
                     "rslave)"));
  }
  out.type = "bind";
  out.source = m.source;
  out.options = {"rbind"};
  if (m.read_only) out.options.push_back("ro");
  out.options.push_back(m.options.empty() ? "rprivate" : m.options);
  return out;
}

}  // namespace

std::vector<oci::Mount> StandardMounts(const StandardMountSettings& s) {
  auto mount = [](const char* dest, const char* type, const char* source,
                  std::vector<std::string> options) {
    oci::Mount m;
    m.destination = dest;
    m.type = type;
    m.source = source;
    m.options = std::move(options);
    return m;
  };
  std::vector<oci::Mount> out;
  out.push_back(mount("/proc", "proc", "proc", {"nosuid", "noexec", "nodev"}));
  out.push_back(mount("/dev", "tmpfs", "tmpfs",
                      {"nosuid", "strictatime", "mode=755", "size=65536k"}));
  out.push_back(mount("/dev/pts", "devpts", "devpts",
                      {"nosuid", "noexec", "newinstance", "ptmxmode=0666",
                       "mode=0620", "gid=5"}));
  std::vector<std::string> sys = {"nosuid", "noexec", "nodev"};
  if (!s.privileged) sys.push_back("ro");
  out.push_back(mount("/sys", "sysfs", "sysfs", sys));
  std::vector<std::string> cgroup = {"nosuid", "noexec", "nodev", "relatime"};
  if (!s.privileged) cgroup.push_back("ro");
  out.push_back(mount("/sys/fs/cgroup", "cgroup", "cgroup", cgroup));
  out.push_back(
      mount("/dev/mqueue", "mqueue", "mqueue", {"nosuid", "noexec", "nodev"}));
  if (s.ipc_host) {
    // The host's IPC namespace comes with the host's POSIX shared memory.
    out.push_back(mount("/dev/shm", "bind", "/dev/shm",
                        {"rbind", "nosuid", "noexec", "nodev"}));
  } else {
    out.push_back(mount("/dev/shm", "tmpfs", "shm",
                        {"nosuid", "noexec", "nodev", "mode=1777",
                         absl::StrCat("size=", s.shm_size)}));
  }
  return out;
}

absl::StatusOr<std::vector<oci::Mount>> UserMounts(
    const std::vector<Mount>& mounts) {
  std::vector<oci::Mount> out;
  std::set<std::string> seen;
  for (const Mount& m : mounts) {
    if (m.destination.empty() || m.destination[0] != '/') {
      return absl::InvalidArgumentError(
          absl::StrCat(Describe(m), ": the container path \"", m.destination,
                       "\" is not absolute"));
    }
    std::string dest = CleanAbsolutePath(m.destination);
    if (dest == "/") {
      return absl::InvalidArgumentError(absl::StrCat(
          Describe(m), ": cannot mount over the container's root \"/\""));
    }
    if (!seen.insert(dest).second) {
      return absl::InvalidArgumentError(
          absl::StrCat(Describe(m), ": duplicate mount point \"", dest, "\""));
    }
    ASSIGN_OR_RETURN(oci::Mount mount, UserMount(m));
    out.push_back(std::move(mount));
  }
  // Parents first, so that a child is mounted on its parent, not under it.
  std::stable_sort(out.begin(), out.end(),
                   [](const oci::Mount& a, const oci::Mount& b) {
                     return PathDepth(a.destination) < PathDepth(b.destination);
                   });
  return out;
}

std::vector<oci::Mount> MergeMounts(const std::vector<oci::Mount>& standard,
                                    const std::vector<oci::Mount>& user) {
  std::set<std::string> dests;
  for (const oci::Mount& m : user) dests.insert(m.destination);
  bool user_dev = dests.count("/dev") > 0;
  std::vector<oci::Mount> out;
  for (const oci::Mount& m : standard) {
    if (dests.count(m.destination) > 0) continue;
    if (user_dev && absl::StartsWith(m.destination, "/dev/")) continue;
    out.push_back(m);
  }
  out.insert(out.end(), user.begin(), user.end());
  return out;
}

std::string RootfsPropagation(const std::vector<Mount>& mounts) {
  bool slave = false;
  for (const Mount& m : mounts) {
    if (m.type == MountType::kTmpfs) continue;
    if (m.options == "shared" || m.options == "rshared") return "rshared";
    slave = slave || m.options == "slave" || m.options == "rslave";
  }
  return slave ? "rslave" : "";
}

std::vector<std::string> UncoveredImageVolumes(
    const ImageConfig& image, const std::vector<Mount>& mounts) {
  std::set<std::string> covered;
  for (const Mount& m : mounts) {
    covered.insert(CleanAbsolutePath(m.destination));
  }
  std::vector<std::string> out;
  for (const std::string& v : image.volumes) {
    std::string dest = CleanAbsolutePath(v);
    if (dest == "/" || !covered.insert(dest).second) continue;
    out.push_back(dest);
  }
  return out;
}

absl::Status CheckTmpfsOptions(absl::string_view what,
                               absl::string_view options) {
  if (options.empty()) return absl::OkStatus();
  for (absl::string_view o : absl::StrSplit(options, ',')) {
    if (o.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(what, ": empty option in \"", options, "\""));
    }
    size_t eq = o.find('=');
    if (eq == absl::string_view::npos) {
      if (!IsTmpfsFlag(o)) {
        return absl::InvalidArgumentError(
            absl::StrCat(what, ": unknown option \"", o, "\""));
      }
      continue;
    }
    RETURN_IF_ERROR(CheckTmpfsData(what, o.substr(0, eq), o.substr(eq + 1)));
  }
  return absl::OkStatus();
}

}  // namespace crate::container
