#include "api/engine/resource_update.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace crate::engine {
namespace {

constexpr int64_t kMinMemory = 6 << 20;  // docker's floor
constexpr int64_t kCpuPeriod = 100000;
constexpr int64_t kDefaultShares = 1024;
// The kernel's PID_MAX_LIMIT: pids.max takes nothing larger.
constexpr int64_t kMaxPids = 4 << 20;

absl::Status Bad(absl::string_view flag, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(flag, ": ", why));
}

}  // namespace

absl::StatusOr<ResourceChange> PlanResourceUpdate(const oci::Resources& current,
                                                  const ResourceUpdate& u,
                                                  int host_cpus) {
  if (u.empty()) {
    return absl::InvalidArgumentError(
        "nothing to update: give at least one of --memory, --memory-swap, "
        "--cpus, --cpu-shares, --pids-limit");
  }
  ResourceChange c;
  c.saved = current;
  const oci::MemoryResources mem_now =
      current.memory.value_or(oci::MemoryResources{});
  if (u.memory || u.memory_swap) {
    if (u.memory && *u.memory < kMinMemory) {
      return Bad("--memory",
                 *u.memory < 0
                     ? absl::StrCat("must not be negative, got ", *u.memory)
                     : absl::StrCat("minimum memory limit allowed is 6MB, "
                                    "got ",
                                    *u.memory, " bytes"));
    }
    const int64_t limit = u.memory ? *u.memory : mem_now.limit.value_or(-1);
    if (u.memory_swap) {
      if (*u.memory_swap < -1 || *u.memory_swap == 0) {
        return Bad("--memory-swap",
                   absl::StrCat("must be -1 (unlimited) or a size, got ",
                                *u.memory_swap));
      }
      if (limit <= 0) {
        return Bad("--memory-swap",
                   "needs a memory limit: set --memory as well");
      }
      if (*u.memory_swap > 0 && *u.memory_swap < limit) {
        return Bad("--memory-swap",
                   absl::StrCat("memory+swap limit ", *u.memory_swap,
                                " is below the memory limit ", limit));
      }
    } else if (mem_now.swap && *mem_now.swap > 0 && limit > *mem_now.swap) {
      return Bad("--memory",
                 absl::StrCat("memory limit ", limit,
                              " should be smaller than the memory+swap limit "
                              "already set (",
                              *mem_now.swap,
                              "): update --memory-swap at the same time"));
    }
    oci::MemoryResources apply, undo;
    oci::MemoryResources saved = mem_now;
    if (u.memory) {
      apply.limit = *u.memory;
      undo.limit = mem_now.limit.value_or(-1);
      saved.limit = *u.memory;
    }
    if (u.memory_swap) {
      apply.swap = *u.memory_swap;
      undo.swap = mem_now.swap.value_or(-1);
      saved.swap = *u.memory_swap;
    }
    c.apply.memory = apply;
    c.undo.memory = undo;
    c.saved.memory = saved;
  }
  if (u.cpus || u.cpu_shares) {
    const oci::CpuResources cpu_now = current.cpu.value_or(oci::CpuResources{});
    oci::CpuResources apply, undo;
    oci::CpuResources saved = cpu_now;
    if (u.cpus) {
      if (!std::isfinite(*u.cpus) || *u.cpus < 0) {
        return Bad("--cpus",
                   absl::StrCat("must be a positive number, got ", *u.cpus));
      }
      if (*u.cpus > host_cpus) {
        return Bad("--cpus",
                   absl::StrFormat("range of CPUs is from 0.01 to %d.00, as "
                                   "there are only %d CPUs available",
                                   host_cpus, host_cpus));
      }
      if (*u.cpus == 0) {
        apply.quota = -1;
        saved.quota.reset();
        saved.period.reset();
      } else {
        auto quota = static_cast<int64_t>(std::llround(*u.cpus * kCpuPeriod));
        if (quota < 1000) {
          return Bad("--cpus",
                     absl::StrCat("must be at least 0.01, got ", *u.cpus));
        }
        apply.quota = quota;
        apply.period = kCpuPeriod;
        saved.quota = quota;
        saved.period = kCpuPeriod;
      }
      undo.quota = cpu_now.quota.value_or(-1);
      if (cpu_now.period) undo.period = cpu_now.period;
    }
    if (u.cpu_shares) {
      if (*u.cpu_shares < 2 || *u.cpu_shares > 262144) {
        return Bad("--cpu-shares", absl::StrCat("must be within [2, 262144], "
                                                "got ",
                                                *u.cpu_shares));
      }
      apply.shares = static_cast<uint64_t>(*u.cpu_shares);
      undo.shares = cpu_now.shares.value_or(kDefaultShares);
      saved.shares = apply.shares;
    }
    c.apply.cpu = apply;
    c.undo.cpu = undo;
    c.saved.cpu = saved;
  }
  if (u.pids_limit) {
    if (*u.pids_limit < -1) {
      return Bad("--pids-limit",
                 absl::StrCat("must be -1 or 0 (unlimited) or positive, got ",
                              *u.pids_limit));
    }
    if (*u.pids_limit > kMaxPids) {
      return Bad("--pids-limit",
                 absl::StrCat(*u.pids_limit, " is above the kernel's maximum ",
                              kMaxPids));
    }
    const int64_t limit = *u.pids_limit > 0 ? *u.pids_limit : -1;
    c.apply.pids = oci::PidsResources{limit};
    c.undo.pids = oci::PidsResources{
        current.pids && current.pids->limit > 0 ? current.pids->limit : -1};
    if (limit > 0) {
      c.saved.pids = oci::PidsResources{limit};
    } else {
      c.saved.pids.reset();
    }
  }
  return c;
}

}  // namespace crate::engine
