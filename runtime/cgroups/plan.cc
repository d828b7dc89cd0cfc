#include "runtime/cgroups/plan.h"

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "runtime/base/errno_status.h"
#include "runtime/base/file_util.h"
#include "runtime/base/status_macros.h"

namespace crate {
namespace cgroups {
namespace {

std::string Dev(int64_t major, int64_t minor) {
  return absl::StrCat(major, ":", minor);
}

std::string DeviceNumber(const absl::optional<int64_t>& n) {
  if (!n.has_value() || *n < 0) return "*";
  return absl::StrCat(*n);
}

std::string RdmaValue(const std::string& name, const RdmaLimit& l) {
  std::string v = name;
  if (l.hca_handles) absl::StrAppend(&v, " hca_handle=", *l.hca_handles);
  if (l.hca_objects) absl::StrAppend(&v, " hca_object=", *l.hca_objects);
  return v;
}

class Builder {
 public:
  explicit Builder(Plan* plan) : plan_(plan) {}

  Write& Add(std::string path, std::string file, std::string value,
             std::string field) {
    Write w;
    w.path = std::move(path);
    w.file = std::move(file);
    w.value = std::move(value);
    w.field = std::move(field);
    plan_->push_back(std::move(w));
    return plan_->back();
  }

 private:
  Plan* plan_;
};

void PlanV1Memory(const MemoryResources& m, const std::string& dir,
                  Builder& b) {
  const bool has_swap = m.swap.value_or(0) != 0;
  // memsw must never be below the memory limit: which one goes first
  // depends on the current values, hence retry_later on both.
  if (has_swap) {
    Write& w = b.Add(dir, "memory.memsw.limit_in_bytes", absl::StrCat(*m.swap),
                     "memory.swap");
    w.retry_later = true;
    w.if_missing =
        "linux.resources.memory.swap is set but this kernel has no swap "
        "accounting (memory.memsw.limit_in_bytes is missing; boot with "
        "swapaccount=1)";
  } else if (m.limit.value_or(0) == -1) {
    // Lifting the memory limit fails while memsw is lower; runc lifts memsw
    // too, quietly when the kernel has no swap accounting.
    Write& w = b.Add(dir, "memory.memsw.limit_in_bytes", "-1", "memory.limit");
    w.retry_later = true;
    w.optional = true;
  }
  if (m.limit.value_or(0) != 0) {
    Write& w = b.Add(dir, "memory.limit_in_bytes", absl::StrCat(*m.limit),
                     "memory.limit");
    w.retry_later = has_swap || *m.limit == -1;
  }
  if (m.reservation.value_or(0) != 0) {
    b.Add(dir, "memory.soft_limit_in_bytes", absl::StrCat(*m.reservation),
          "memory.reservation");
  }
  if (m.kernel_tcp.value_or(0) != 0) {
    b.Add(dir, "memory.kmem.tcp.limit_in_bytes", absl::StrCat(*m.kernel_tcp),
          "memory.kernelTCP")
        .if_missing =
        "linux.resources.memory.kernelTCP is set but this kernel has no "
        "memory.kmem.tcp.limit_in_bytes";
  }
  if (m.swappiness.has_value()) {
    b.Add(dir, "memory.swappiness", absl::StrCat(*m.swappiness),
          "memory.swappiness");
  }
  if (m.disable_oom_killer.value_or(false)) {
    b.Add(dir, "memory.oom_control", "1", "memory.disableOOMKiller");
  }
}

void PlanV1Cpu(const CpuResources& c, const std::string& cpu_dir,
               const std::string& cpuset_dir, Builder& b) {
  if (c.shares.value_or(0) != 0) {
    b.Add(cpu_dir, "cpu.shares", absl::StrCat(*c.shares), "cpu.shares");
  }
  // A new period can be refused against the old quota and the other way
  // round; runc retries, and so does the executor.
  if (c.period.value_or(0) != 0) {
    b.Add(cpu_dir, "cpu.cfs_period_us", absl::StrCat(*c.period), "cpu.period")
        .retry_later = true;
  }
  if (c.quota.value_or(0) != 0) {
    b.Add(cpu_dir, "cpu.cfs_quota_us", absl::StrCat(*c.quota), "cpu.quota")
        .retry_later = true;
  }
  if (c.realtime_period.value_or(0) != 0) {
    b.Add(cpu_dir, "cpu.rt_period_us", absl::StrCat(*c.realtime_period),
          "cpu.realtimePeriod")
        .retry_later = true;
  }
  if (c.realtime_runtime.value_or(0) != 0) {
    b.Add(cpu_dir, "cpu.rt_runtime_us", absl::StrCat(*c.realtime_runtime),
          "cpu.realtimeRuntime")
        .retry_later = true;
  }
  if (c.idle.has_value()) {
    b.Add(cpu_dir, "cpu.idle", absl::StrCat(*c.idle), "cpu.idle").if_missing =
        "linux.resources.cpu.idle is set but this kernel has no cpu.idle";
  }
  if (!c.cpus.empty()) b.Add(cpuset_dir, "cpuset.cpus", c.cpus, "cpu.cpus");
  if (!c.mems.empty()) b.Add(cpuset_dir, "cpuset.mems", c.mems, "cpu.mems");
}

void PlanV1BlockIo(const BlockIoResources& io, const std::string& dir,
                   Builder& b) {
  if (io.weight.value_or(0) != 0) {
    Write& w =
        b.Add(dir, "blkio.weight", absl::StrCat(*io.weight), "blockIO.weight");
    w.fallback_file = "blkio.bfq.weight";
    w.fallback_value = w.value;
  }
  if (io.leaf_weight.value_or(0) != 0) {
    b.Add(dir, "blkio.leaf_weight", absl::StrCat(*io.leaf_weight),
          "blockIO.leafWeight")
        .if_missing =
        "linux.resources.blockIO.leafWeight is set but this kernel has no "
        "blkio.leaf_weight (CFQ is gone)";
  }
  for (const WeightDevice& d : io.weight_device) {
    if (d.weight.value_or(0) != 0) {
      Write& w = b.Add(dir, "blkio.weight_device",
                       absl::StrCat(Dev(d.major, d.minor), " ", *d.weight),
                       "blockIO.weightDevice");
      w.fallback_file = "blkio.bfq.weight_device";
      w.fallback_value = w.value;
    }
    if (d.leaf_weight.value_or(0) != 0) {
      b.Add(dir, "blkio.leaf_weight_device",
            absl::StrCat(Dev(d.major, d.minor), " ", *d.leaf_weight),
            "blockIO.weightDevice.leafWeight");
    }
  }
  const std::pair<const std::vector<ThrottleDevice>*, const char*> throttles[] =
      {
          {&io.throttle_read_bps_device, "read_bps_device"},
          {&io.throttle_write_bps_device, "write_bps_device"},
          {&io.throttle_read_iops_device, "read_iops_device"},
          {&io.throttle_write_iops_device, "write_iops_device"},
      };
  for (const auto& [devs, name] : throttles) {
    for (const ThrottleDevice& d : *devs) {
      b.Add(dir, absl::StrCat("blkio.throttle.", name),
            absl::StrCat(Dev(d.major, d.minor), " ", d.rate),
            absl::StrCat("blockIO.throttle ", name));
    }
  }
}

std::string V1Dir(const std::string& controller, const std::string& path) {
  return JoinPath(controller, path);
}

}  // namespace

absl::StatusOr<Plan> PlanV1(const Resources& r, const V1Layout& layout) {
  Plan plan;
  Builder b(&plan);
  const std::string& p = layout.path;
  const bool hybrid = layout.hybrid;
  if (r.memory) PlanV1Memory(*r.memory, V1Dir("memory", p), b);
  if (r.cpu) PlanV1Cpu(*r.cpu, V1Dir("cpu", p), V1Dir("cpuset", p), b);
  if (r.pids && r.pids->limit != 0) {
    b.Add(V1Dir("pids", p), "pids.max",
          r.pids->limit > 0 ? absl::StrCat(r.pids->limit) : "max",
          "pids.limit");
  }
  if (r.block_io) PlanV1BlockIo(*r.block_io, V1Dir("blkio", p), b);
  for (const HugepageLimit& h : r.hugepage_limits) {
    if (layout.unified_controllers.count("hugetlb")) {
      b.Add(V1Dir("unified", p), absl::StrCat("hugetlb.", h.page_size, ".max"),
            absl::StrCat(h.limit), "hugepageLimits");
    } else {
      b.Add(V1Dir("hugetlb", p),
            absl::StrCat("hugetlb.", h.page_size, ".limit_in_bytes"),
            absl::StrCat(h.limit), "hugepageLimits")
          .if_missing = absl::StrCat("hugepage size ", h.page_size,
                                     " is not supported by this kernel");
    }
  }
  for (const DeviceRule& d : r.devices) {
    std::string value =
        d.type == "a" ? absl::StrCat("a *:* ", d.access)
                      : absl::StrCat(d.type, " ", DeviceNumber(d.major), ":",
                                     DeviceNumber(d.minor), " ", d.access);
    b.Add(V1Dir("devices", p), d.allow ? "devices.allow" : "devices.deny",
          std::move(value), "devices");
  }
  for (const auto& [name, limit] : r.rdma) {
    b.Add(V1Dir("rdma", p), "rdma.max", RdmaValue(name, limit), "rdma");
  }
  if (r.network) {
    if (r.network->class_id) {
      b.Add(V1Dir("net_cls", p), "net_cls.classid",
            absl::StrCat(*r.network->class_id), "network.classID");
    }
    for (const auto& [iface, prio] : r.network->priorities) {
      b.Add(V1Dir("net_prio", p), "net_prio.ifpriomap",
            absl::StrCat(iface, " ", prio), "network.priorities");
    }
  }
  if (!r.unified.empty() && !hybrid) {
    return absl::FailedPreconditionError(
        "linux.resources.unified needs cgroup v2, and this host has only "
        "cgroup v1");
  }
  for (const auto& [file, value] : r.unified) {
    b.Add(V1Dir("unified", p), file, value, absl::StrCat("unified.", file))
        .if_missing = absl::StrCat("linux.resources.unified.", file,
                                   ": no such file in the cgroup2 hierarchy "
                                   "(controller not available there?)");
  }
  return plan;
}

absl::StatusOr<Plan> PlanV2(const Resources& r, const std::string& p) {
  Plan plan;
  Builder b(&plan);
  if (r.memory) {
    const MemoryResources& m = *r.memory;
    int64_t limit = m.limit.value_or(0);
    auto max_or = [](int64_t v) {
      return v == -1 ? std::string("max") : absl::StrCat(v);
    };
    if (limit != 0) b.Add(p, "memory.max", max_or(limit), "memory.limit");
    if (m.reservation.value_or(0) != 0) {
      b.Add(p, "memory.low", max_or(*m.reservation), "memory.reservation");
    }
    int64_t swap = m.swap.value_or(0);
    if (swap != 0) {
      // The spec's swap is memory plus swap; cgroup2 counts swap alone.
      std::string value = swap == -1 ? "max" : absl::StrCat(swap - limit);
      b.Add(p, "memory.swap.max", value, "memory.swap").if_missing =
          "linux.resources.memory.swap is set but this kernel has no swap "
          "accounting (memory.swap.max is missing)";
    } else if (limit == -1) {
      b.Add(p, "memory.swap.max", "max", "memory.limit").optional = true;
    }
    // swappiness, kernel, kernelTCP and disableOOMKiller have no cgroup2
    // files; runc and crun ignore them there too.
  }
  if (r.cpu) {
    const CpuResources& c = *r.cpu;
    if (c.shares.value_or(0) != 0) {
      b.Add(p, "cpu.weight", absl::StrCat(SharesToWeight(*c.shares)),
            "cpu.shares");
    }
    if (c.quota.value_or(0) != 0 || c.period.value_or(0) != 0) {
      std::string quota = c.quota.value_or(-1) > 0 ? absl::StrCat(*c.quota)
                                                   : std::string("max");
      int64_t period = c.period.value_or(0) != 0 ? *c.period : 100000;
      b.Add(p, "cpu.max", absl::StrCat(quota, " ", period), "cpu.quota");
    }
    if (c.realtime_runtime.value_or(0) != 0 ||
        c.realtime_period.value_or(0) != 0) {
      return absl::FailedPreconditionError(
          "linux.resources.cpu.realtimeRuntime/realtimePeriod are not "
          "supported by cgroup v2");
    }
    if (c.idle.has_value()) {
      b.Add(p, "cpu.idle", absl::StrCat(*c.idle), "cpu.idle").if_missing =
          "linux.resources.cpu.idle is set but this kernel has no cpu.idle";
    }
    if (!c.cpus.empty()) b.Add(p, "cpuset.cpus", c.cpus, "cpu.cpus");
    if (!c.mems.empty()) b.Add(p, "cpuset.mems", c.mems, "cpu.mems");
  }
  if (r.pids && r.pids->limit != 0) {
    b.Add(p, "pids.max",
          r.pids->limit > 0 ? absl::StrCat(r.pids->limit) : "max",
          "pids.limit");
  }
  if (r.block_io) {
    const BlockIoResources& io = *r.block_io;
    // BFQ takes the v1 scale as is; io.weight has its own (crun's choice).
    if (io.weight.value_or(0) != 0) {
      Write& w =
          b.Add(p, "io.bfq.weight", absl::StrCat(*io.weight), "blockIO.weight");
      w.fallback_file = "io.weight";
      w.fallback_value = absl::StrCat(BlkioWeightToIoWeight(*io.weight));
    }
    for (const WeightDevice& d : io.weight_device) {
      if (d.weight.value_or(0) == 0) continue;
      Write& w = b.Add(p, "io.bfq.weight",
                       absl::StrCat(Dev(d.major, d.minor), " ", *d.weight),
                       "blockIO.weightDevice");
      w.fallback_file = "io.weight";
      w.fallback_value = absl::StrCat(Dev(d.major, d.minor), " ",
                                      BlkioWeightToIoWeight(*d.weight));
    }
    const std::pair<const std::vector<ThrottleDevice>*, const char*>
        throttles[] = {
            {&io.throttle_read_bps_device, "rbps"},
            {&io.throttle_write_bps_device, "wbps"},
            {&io.throttle_read_iops_device, "riops"},
            {&io.throttle_write_iops_device, "wiops"},
        };
    for (const auto& [devs, key] : throttles) {
      for (const ThrottleDevice& d : *devs) {
        b.Add(p, "io.max",
              absl::StrCat(Dev(d.major, d.minor), " ", key, "=", d.rate),
              absl::StrCat("blockIO.throttle ", key));
      }
    }
  }
  for (const HugepageLimit& h : r.hugepage_limits) {
    b.Add(p, absl::StrCat("hugetlb.", h.page_size, ".max"),
          absl::StrCat(h.limit), "hugepageLimits")
        .if_missing = absl::StrCat("hugepage size ", h.page_size,
                                   " is not supported by this kernel");
  }
  for (const auto& [name, limit] : r.rdma) {
    b.Add(p, "rdma.max", RdmaValue(name, limit), "rdma");
  }
  if (r.network &&
      (r.network->class_id.has_value() || !r.network->priorities.empty())) {
    return absl::FailedPreconditionError(
        "linux.resources.network (net_cls/net_prio) needs cgroup v1");
  }
  for (const auto& [file, value] : r.unified) {
    b.Add(p, file, value, absl::StrCat("unified.", file)).if_missing =
        absl::StrCat("linux.resources.unified.", file,
                     ": no such cgroup file (controller not enabled?)");
  }
  return plan;
}

absl::Status ExecutePlan(const std::string& root, const Plan& plan) {
  std::vector<const Write*> later;
  auto run = [&](const Write& w, bool may_defer) -> absl::Status {
    std::string dir = JoinPath(root, w.path);
    std::string file = JoinPath(dir, w.file);
    absl::string_view value = w.value;
    if (!PathExists(file) && !w.fallback_file.empty()) {
      file = JoinPath(dir, w.fallback_file);
      value = w.fallback_value;
    }
    if (!PathExists(file)) {
      if (!w.if_missing.empty()) {
        return absl::FailedPreconditionError(
            absl::StrCat(w.if_missing, " (", file, ")"));
      }
      if (w.optional) return absl::OkStatus();
    }
    absl::Status s = WriteExistingFile(file, value);
    if (!s.ok() && may_defer && w.retry_later) {
      later.push_back(&w);
      return absl::OkStatus();
    }
    return Annotate(s, absl::StrCat("set linux.resources.", w.field));
  };
  for (const Write& w : plan) RETURN_IF_ERROR(run(w, true));
  for (const Write* w : later) RETURN_IF_ERROR(run(*w, false));
  return absl::OkStatus();
}

std::string PlanToString(const Plan& plan) {
  std::string out;
  for (const Write& w : plan) {
    absl::StrAppend(&out, w.path, " ", w.file, "=", w.value, "\n");
  }
  return out;
}

}  // namespace cgroups
}  // namespace crate
