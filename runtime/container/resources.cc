#include "runtime/container/resources.h"

#include <sys/resource.h>

#include <cmath>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "runtime/base/status_macros.h"
#include "runtime/security/names.h"

namespace crate::container {
namespace {

absl::Status Bad(absl::string_view option, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(option, ": ", why));
}

absl::Status AddMemory(const Options& o, oci::Resources& r) {
  if (o.memory < 0) {
    return Bad("--memory",
               absl::StrCat("must not be negative, got ", o.memory));
  }
  if (o.memory > 0 && o.memory < kMinMemory) {
    return Bad("--memory", absl::StrCat("minimum memory limit allowed is 6MB, "
                                        "got ",
                                        o.memory, " bytes"));
  }
  if (o.memory_swap < -1) {
    return Bad(
        "--memory-swap",
        absl::StrCat("must be -1 (unlimited) or a size, got ", o.memory_swap));
  }
  if (o.memory_swap > 0 && o.memory == 0) {
    return Bad("--memory-swap", "needs --memory as well");
  }
  if (o.memory_swap > 0 && o.memory_swap < o.memory) {
    return Bad("--memory-swap",
               absl::StrCat("memory+swap limit ", o.memory_swap,
                            " is below the --memory limit ", o.memory));
  }
  if (o.memory == 0 && o.memory_swap == 0) return absl::OkStatus();
  oci::MemoryResources mem;
  if (o.memory > 0) mem.limit = o.memory;
  if (o.memory_swap != 0) {
    mem.swap = o.memory_swap;
  } else {
    mem.swap = o.memory * 2;
  }
  r.memory = mem;
  return absl::OkStatus();
}

absl::Status AddCpu(const Options& o, oci::Resources& r) {
  if (!std::isfinite(o.cpus) || o.cpus < 0) {
    return Bad("--cpus",
               absl::StrCat("must be a positive number, got ", o.cpus));
  }
  if (o.cpu_shares < 0 ||
      (o.cpu_shares > 0 && (o.cpu_shares < 2 || o.cpu_shares > 262144))) {
    return Bad("--cpu-shares",
               absl::StrCat("must be within [2, 262144], got ", o.cpu_shares));
  }
  if (o.cpus == 0 && o.cpu_shares == 0) return absl::OkStatus();
  oci::CpuResources cpu;
  if (o.cpus > 0) {
    // The kernel refuses a quota under 1 ms.
    auto quota = static_cast<int64_t>(std::llround(o.cpus * kCpuPeriod));
    if (quota < 1000) {
      return Bad("--cpus", absl::StrCat("must be at least 0.01, got ", o.cpus));
    }
    cpu.quota = quota;
    cpu.period = kCpuPeriod;
  }
  if (o.cpu_shares > 0) cpu.shares = static_cast<uint64_t>(o.cpu_shares);
  r.cpu = cpu;
  return absl::OkStatus();
}

absl::StatusOr<uint64_t> Limit(absl::string_view what, absl::string_view v) {
  if (v == "-1" || v == "unlimited") return RLIM_INFINITY;
  uint64_t n = 0;
  if (!absl::SimpleAtoi(v, &n)) {
    return absl::InvalidArgumentError(absl::StrCat(
        what, ": \"", v, "\" is not a number (or -1 / unlimited)"));
  }
  return n;
}

}  // namespace

absl::StatusOr<oci::Resources> ContainerResources(const Options& o) {
  oci::Resources r;
  oci::DeviceCgroupRule devices;
  devices.allow = o.privileged;
  devices.access = "rwm";
  r.devices.push_back(devices);
  RETURN_IF_ERROR(AddMemory(o, r));
  RETURN_IF_ERROR(AddCpu(o, r));
  if (o.pids_limit < -1) {
    return Bad("--pids-limit",
               absl::StrCat("must be -1 or 0 (unlimited) or positive, got ",
                            o.pids_limit));
  }
  if (o.pids_limit > 0) r.pids = oci::PidsResources{o.pids_limit};
  return r;
}

absl::StatusOr<std::vector<oci::Rlimit>> ParseUlimits(
    const std::vector<std::string>& ulimits) {
  std::vector<oci::Rlimit> out;
  std::set<int> seen;
  for (const std::string& u : ulimits) {
    std::string what = absl::StrCat("--ulimit ", u);
    size_t eq = u.find('=');
    if (eq == std::string::npos || eq == 0) {
      return Bad(what, "want name=soft[:hard], like nofile=1024:2048");
    }
    oci::Rlimit r;
    r.type = absl::StrCat("RLIMIT_", absl::AsciiStrToUpper(u.substr(0, eq)));
    bool known = false;
    for (const security::NamedRlimit& n : security::kRlimitNames) {
      if (r.type == n.name) {
        r.resource = n.resource;
        known = true;
      }
    }
    if (!known) {
      return Bad(what, absl::StrCat("unknown limit \"", u.substr(0, eq), "\""));
    }
    if (!seen.insert(r.resource).second) {
      return Bad(what, absl::StrCat("\"", u.substr(0, eq), "\" given twice"));
    }
    std::vector<absl::string_view> values =
        absl::StrSplit(absl::string_view(u).substr(eq + 1), ':');
    if (values.size() > 2) {
      return Bad(what, "want name=soft[:hard], like nofile=1024:2048");
    }
    ASSIGN_OR_RETURN(r.soft, Limit(what, values[0]));
    r.hard = r.soft;
    if (values.size() == 2) {
      ASSIGN_OR_RETURN(r.hard, Limit(what, values[1]));
    }
    if (r.soft > r.hard) {
      return Bad(what, absl::StrCat("the soft limit ", values[0],
                                    " is above the hard limit ", values[1]));
    }
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace crate::container
