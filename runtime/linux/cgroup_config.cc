#include "runtime/linux/cgroup_config.h"

#include "absl/strings/str_cat.h"

namespace crate::linux {
namespace {

template <typename T>
absl::optional<int64_t> Signed(const absl::optional<T>& v) {
  if (!v) return absl::nullopt;
  return static_cast<int64_t>(*v);
}

std::vector<cgroups::ThrottleDevice> Throttles(
    const std::vector<oci::ThrottleDevice>& in) {
  std::vector<cgroups::ThrottleDevice> out;
  for (const oci::ThrottleDevice& d : in) {
    out.push_back({d.major, d.minor, static_cast<int64_t>(d.rate)});
  }
  return out;
}

}  // namespace

cgroups::Resources ToCgroupResources(const oci::Resources& r) {
  cgroups::Resources out;
  if (r.memory) {
    cgroups::MemoryResources m;
    m.limit = r.memory->limit;
    m.reservation = r.memory->reservation;
    m.swap = r.memory->swap;
    m.kernel = r.memory->kernel;
    m.kernel_tcp = r.memory->kernel_tcp;
    m.swappiness = Signed(r.memory->swappiness);
    m.disable_oom_killer = r.memory->disable_oom_killer;
    out.memory = m;
  }
  if (r.cpu) {
    cgroups::CpuResources c;
    c.shares = Signed(r.cpu->shares);
    c.quota = r.cpu->quota;
    c.period = Signed(r.cpu->period);
    c.realtime_runtime = r.cpu->realtime_runtime;
    c.realtime_period = Signed(r.cpu->realtime_period);
    c.cpus = r.cpu->cpus;
    c.mems = r.cpu->mems;
    c.idle = r.cpu->idle;
    out.cpu = c;
  }
  if (r.pids) out.pids = cgroups::PidsResources{r.pids->limit};
  if (r.block_io) {
    cgroups::BlockIoResources b;
    b.weight = Signed(r.block_io->weight);
    b.leaf_weight = Signed(r.block_io->leaf_weight);
    for (const oci::WeightDevice& d : r.block_io->weight_device) {
      b.weight_device.push_back(
          {d.major, d.minor, Signed(d.weight), Signed(d.leaf_weight)});
    }
    b.throttle_read_bps_device =
        Throttles(r.block_io->throttle_read_bps_device);
    b.throttle_write_bps_device =
        Throttles(r.block_io->throttle_write_bps_device);
    b.throttle_read_iops_device =
        Throttles(r.block_io->throttle_read_iops_device);
    b.throttle_write_iops_device =
        Throttles(r.block_io->throttle_write_iops_device);
    out.block_io = b;
  }
  for (const oci::HugepageLimit& h : r.hugepage_limits) {
    out.hugepage_limits.push_back({h.page_size, static_cast<int64_t>(h.limit)});
  }
  for (const oci::DeviceCgroupRule& d : r.devices) {
    cgroups::DeviceRule rule;
    rule.allow = d.allow;
    rule.type = d.type.empty() ? "a" : d.type;
    // -1 is the spec's wildcard, as an absent number is.
    if (d.major && *d.major >= 0) rule.major = d.major;
    if (d.minor && *d.minor >= 0) rule.minor = d.minor;
    rule.access = d.access.empty() ? "rwm" : d.access;
    out.devices.push_back(rule);
  }
  if (r.network) {
    cgroups::NetworkResources n;
    n.class_id = Signed(r.network->class_id);
    for (const oci::NetworkPriority& p : r.network->priorities) {
      n.priorities[p.name] = p.priority;
    }
    out.network = n;
  }
  out.unified = r.unified;
  return out;
}

cgroups::Resources CgroupResourcesFor(const oci::Spec& spec) {
  if (!spec.linux || !spec.linux->resources) return {};
  cgroups::Resources out = ToCgroupResources(*spec.linux->resources);
  if (out.devices.empty()) return out;
  auto allow = [&](const char* type, absl::optional<int64_t> major,
                   absl::optional<int64_t> minor, const char* access) {
    cgroups::DeviceRule rule;
    rule.allow = true;
    rule.type = type;
    rule.major = major;
    rule.minor = minor;
    rule.access = access;
    out.devices.push_back(rule);
  };
  allow("c", absl::nullopt, absl::nullopt, "m");
  allow("b", absl::nullopt, absl::nullopt, "m");
  allow("c", 1, 3, "rwm");                // null
  allow("c", 1, 5, "rwm");                // zero
  allow("c", 1, 7, "rwm");                // full
  allow("c", 1, 8, "rwm");                // random
  allow("c", 1, 9, "rwm");                // urandom
  allow("c", 5, 0, "rwm");                // tty
  allow("c", 5, 2, "rwm");                // ptmx
  allow("c", 136, absl::nullopt, "rwm");  // pts/*
  allow("c", 10, 200, "rwm");             // net/tun
  for (const oci::Device& d : spec.linux->devices) {
    if (d.type == 'p') continue;
    allow(d.type == 'b' ? "b" : "c", d.major, d.minor, "rwm");
  }
  return out;
}

std::string CgroupPathFor(const oci::Spec& spec, const std::string& id) {
  if (spec.linux && !spec.linux->cgroups_path.empty()) {
    return spec.linux->cgroups_path;
  }
  return absl::StrCat("/", id);
}

}  // namespace crate::linux
