#include "runtime/linux/namespace_files.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "runtime/base/errno_status.h"
#include "runtime/base/status_macros.h"
#include "runtime/base/unique_fd.h"
#include "runtime/linux/plan.h"

namespace crate::linux {
namespace {

constexpr unsigned long kNsGetNsType = 0xb703;  // _IO(0xb7, 0x3)
constexpr long kNsfsMagic = 0x6e736673;

// The file name under /proc/PID/ns/ of each type.
const char* ProcNsName(oci::NamespaceType type) {
  switch (type) {
    case oci::NamespaceType::kPid:
      return "pid";
    case oci::NamespaceType::kNetwork:
      return "net";
    case oci::NamespaceType::kMount:
      return "mnt";
    case oci::NamespaceType::kIpc:
      return "ipc";
    case oci::NamespaceType::kUts:
      return "uts";
    case oci::NamespaceType::kUser:
      return "user";
    case oci::NamespaceType::kCgroup:
      return "cgroup";
    case oci::NamespaceType::kTime:
      return "time";
  }
  return "";
}

}  // namespace

absl::StatusOr<std::set<oci::NamespaceType>> CheckNamespacePaths(
    const oci::Linux& linux) {
  std::set<oci::NamespaceType> shared;
  for (size_t i = 0; i < linux.namespaces.size(); ++i) {
    const oci::Namespace& ns = linux.namespaces[i];
    if (ns.path.empty()) continue;
    const std::string field = absl::StrCat("linux.namespaces[", i, "].path");
    const std::string want = absl::StrCat(
        "a namespace file of type ", oci::NamespaceTypeName(ns.type),
        ", such as /proc/PID/ns/", ProcNsName(ns.type));
    UniqueFd fd(
        open(ns.path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
    if (!fd) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ": cannot open \"", ns.path,
                       "\": ", strerror(errno), " (want ", want, ")"));
    }
    struct statfs fs;
    if (fstatfs(fd.get(), &fs) != 0 ||
        static_cast<long>(fs.f_type) != kNsfsMagic) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ": \"", ns.path,
                       "\" is not a namespace file (want ", want, ")"));
    }
    int type = ioctl(fd.get(), kNsGetNsType);
    if (type >= 0 && type != CloneFlag(ns.type)) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ": \"", ns.path,
                       "\" is a namespace of another type (want ", want, ")"));
    }
    struct stat theirs, ours;
    std::string self = absl::StrCat("/proc/self/ns/", ProcNsName(ns.type));
    if (fstat(fd.get(), &theirs) == 0 && stat(self.c_str(), &ours) == 0 &&
        theirs.st_ino == ours.st_ino && theirs.st_dev == ours.st_dev) {
      shared.insert(ns.type);
    }
  }
  return shared;
}

absl::Status CheckSysctlsPrivate(const oci::Linux& linux,
                                 const std::set<oci::NamespaceType>& shared) {
  for (const auto& [key, value] : linux.sysctl) {
    RETURN_IF_ERROR(oci::ValidateSysctl(key, linux));
    ASSIGN_OR_RETURN(oci::NamespaceType type, oci::SysctlNamespace(key));
    if (shared.count(type) != 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "linux.sysctl.", key,
          ": not allowed: the container joins the "
          "host's own ",
          oci::NamespaceTypeName(type),
          " namespace by path, so writing it would change the host"));
    }
  }
  return absl::OkStatus();
}

}  // namespace crate::linux
