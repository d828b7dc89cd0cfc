#include "runtime/oci/mount_options.h"

#include <sys/mount.h>

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace crate::oci {
namespace {

// Older headers lack these; the values are the kernel's ABI.
#ifndef MS_NOSYMFOLLOW
#define MS_NOSYMFOLLOW 256
#endif

struct FlagOption {
  const char* name;
  bool clear;  // Clears the flag instead of setting it.
  unsigned long flag;
};

constexpr FlagOption kFlags[] = {
    {"async", true, MS_SYNCHRONOUS},
    {"atime", true, MS_NOATIME},
    {"bind", false, MS_BIND},
    {"defaults", false, 0},
    {"dev", true, MS_NODEV},
    {"diratime", true, MS_NODIRATIME},
    {"dirsync", false, MS_DIRSYNC},
    {"exec", true, MS_NOEXEC},
    {"iversion", false, MS_I_VERSION},
    {"lazytime", false, MS_LAZYTIME},
    {"loud", true, MS_SILENT},
    {"mand", false, MS_MANDLOCK},
    {"noatime", false, MS_NOATIME},
    {"nodev", false, MS_NODEV},
    {"nodiratime", false, MS_NODIRATIME},
    {"noexec", false, MS_NOEXEC},
    {"noiversion", true, MS_I_VERSION},
    {"nolazytime", true, MS_LAZYTIME},
    {"nomand", true, MS_MANDLOCK},
    {"norelatime", true, MS_RELATIME},
    {"nostrictatime", true, MS_STRICTATIME},
    {"nosuid", false, MS_NOSUID},
    {"nosymfollow", false, MS_NOSYMFOLLOW},
    {"rbind", false, MS_BIND | MS_REC},
    {"relatime", false, MS_RELATIME},
    {"remount", false, MS_REMOUNT},
    {"ro", false, MS_RDONLY},
    {"rw", true, MS_RDONLY},
    {"silent", false, MS_SILENT},
    {"strictatime", false, MS_STRICTATIME},
    {"suid", true, MS_NOSUID},
    {"symfollow", true, MS_NOSYMFOLLOW},
    {"sync", false, MS_SYNCHRONOUS},
};

struct PropagationOption {
  const char* name;
  unsigned long flag;
  bool recursive;
};

constexpr PropagationOption kPropagation[] = {
    {"private", MS_PRIVATE, false},       {"rprivate", MS_PRIVATE, true},
    {"shared", MS_SHARED, false},         {"rshared", MS_SHARED, true},
    {"slave", MS_SLAVE, false},           {"rslave", MS_SLAVE, true},
    {"unbindable", MS_UNBINDABLE, false}, {"runbindable", MS_UNBINDABLE, true},
};

// Recursive attributes, as MS_* flags (mapped to MOUNT_ATTR_* at mount time).
constexpr FlagOption kRecursive[] = {
    {"rro", false, MS_RDONLY},
    {"rrw", true, MS_RDONLY},
    {"rnosuid", false, MS_NOSUID},
    {"rsuid", true, MS_NOSUID},
    {"rnodev", false, MS_NODEV},
    {"rdev", true, MS_NODEV},
    {"rnoexec", false, MS_NOEXEC},
    {"rexec", true, MS_NOEXEC},
    {"rnoatime", false, MS_NOATIME},
    {"ratime", true, MS_NOATIME},
    {"rnodiratime", false, MS_NODIRATIME},
    {"rdiratime", true, MS_NODIRATIME},
    {"rrelatime", false, MS_RELATIME},
    {"rnorelatime", true, MS_RELATIME},
    {"rstrictatime", false, MS_STRICTATIME},
    {"rnostrictatime", true, MS_STRICTATIME},
    {"rnosymfollow", false, MS_NOSYMFOLLOW},
    {"rsymfollow", true, MS_NOSYMFOLLOW},
};

}  // namespace

bool MountOptions::bind() const { return (flags & MS_BIND) != 0; }

MountOptions ParseMountOptions(const std::vector<std::string>& options) {
  MountOptions out;
  for (const std::string& opt : options) {
    bool done = false;
    for (const FlagOption& f : kFlags) {
      if (opt == f.name) {
        if (f.clear) {
          out.flags &= ~f.flag;
        } else {
          out.flags |= f.flag;
        }
        done = true;
        break;
      }
    }
    if (done) continue;
    for (const PropagationOption& p : kPropagation) {
      if (opt == p.name) {
        out.propagation = p.flag;
        out.propagation_recursive = p.recursive;
        done = true;
        break;
      }
    }
    if (done) continue;
    for (const FlagOption& f : kRecursive) {
      if (opt == f.name) {
        if (f.clear) {
          out.recursive_clear |= f.flag;
          out.recursive_set &= ~f.flag;
        } else {
          out.recursive_set |= f.flag;
          out.recursive_clear &= ~f.flag;
        }
        done = true;
        break;
      }
    }
    if (done) continue;
    if (opt == "tmpcopyup") {
      out.tmpcopyup = true;
    } else if (opt == "idmap" || opt == "ridmap") {
      out.idmap = true;
      out.idmap_recursive = opt == "ridmap";
    } else if (!opt.empty()) {
      if (!out.data.empty()) out.data += ',';
      out.data += opt;
    }
  }
  return out;
}

std::vector<std::string> KnownMountOptions() {
  std::vector<std::string> out;
  for (const FlagOption& f : kFlags) out.push_back(f.name);
  for (const PropagationOption& p : kPropagation) out.push_back(p.name);
  for (const FlagOption& f : kRecursive) out.push_back(f.name);
  out.push_back("tmpcopyup");
  out.push_back("idmap");
  out.push_back("ridmap");
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace crate::oci
