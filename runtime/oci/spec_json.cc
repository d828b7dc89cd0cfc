#include "runtime/oci/spec_json.h"

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace crate::oci {
namespace {

// Ordered, so that the file reads in the spec's order, as runc writes it.
using Json = nlohmann::ordered_json;

template <typename T>
void PutOptional(Json& j, const char* key, const absl::optional<T>& v) {
  if (v) j[key] = *v;
}

void PutString(Json& j, const char* key, const std::string& v) {
  if (!v.empty()) j[key] = v;
}

template <typename T>
void PutList(Json& j, const char* key, const std::vector<T>& v) {
  if (!v.empty()) j[key] = v;
}

void PutMap(Json& j, const char* key,
            const std::map<std::string, std::string>& m) {
  if (m.empty()) return;
  Json obj = Json::object();
  for (const auto& [k, v] : m) obj[k] = v;
  j[key] = std::move(obj);
}

// Each element of `items` as an object made by `one`; nothing when empty.
template <typename T, typename One>
void PutObjects(Json& j, const char* key, const std::vector<T>& items,
                One one) {
  if (items.empty()) return;
  Json arr = Json::array();
  for (const T& item : items) arr.push_back(one(item));
  j[key] = std::move(arr);
}

Json IdMappingJson(const IdMapping& m) {
  return {
      {"containerID", m.container_id}, {"hostID", m.host_id}, {"size", m.size}};
}

void PutCapSet(Json& j, const char* key, const std::vector<int>& caps) {
  if (caps.empty()) return;
  Json arr = Json::array();
  for (int cap : caps) arr.push_back(std::string(CapabilityName(cap)));
  j[key] = std::move(arr);
}

Json UserJson(const User& u) {
  Json j;
  j["uid"] = u.uid;
  j["gid"] = u.gid;
  PutOptional(j, "umask", u.umask);
  PutList(j, "additionalGids", u.additional_gids);
  PutString(j, "username", u.username);
  return j;
}

Json CapabilitiesJson(const Capabilities& c) {
  Json j = Json::object();
  PutCapSet(j, "bounding", c.bounding);
  PutCapSet(j, "effective", c.effective);
  PutCapSet(j, "inheritable", c.inheritable);
  PutCapSet(j, "permitted", c.permitted);
  PutCapSet(j, "ambient", c.ambient);
  return j;
}

Json SchedulerJson(const Scheduler& s) {
  Json j;
  j["policy"] = s.policy;
  PutOptional(j, "nice", s.nice);
  PutOptional(j, "priority", s.priority);
  PutList(j, "flags", s.flags);
  PutOptional(j, "runtime", s.runtime);
  PutOptional(j, "deadline", s.deadline);
  PutOptional(j, "period", s.period);
  return j;
}

Json ProcessJson(const Process& p) {
  Json j;
  if (p.terminal) j["terminal"] = true;
  if (p.console_size) {
    j["consoleSize"] = {{"height", p.console_size->height},
                        {"width", p.console_size->width}};
  }
  j["user"] = UserJson(p.user);
  PutList(j, "args", p.args);
  PutString(j, "commandLine", p.command_line);
  PutList(j, "env", p.env);
  j["cwd"] = p.cwd;
  if (p.capabilities) j["capabilities"] = CapabilitiesJson(*p.capabilities);
  PutObjects(j, "rlimits", p.rlimits, [](const Rlimit& r) -> Json {
    return {{"type", r.type}, {"hard", r.hard}, {"soft", r.soft}};
  });
  if (p.no_new_privileges) j["noNewPrivileges"] = true;
  PutString(j, "apparmorProfile", p.apparmor_profile);
  PutOptional(j, "oomScoreAdj", p.oom_score_adj);
  PutString(j, "selinuxLabel", p.selinux_label);
  if (p.io_priority) {
    j["ioPriority"] = {{"class", p.io_priority->klass},
                       {"priority", p.io_priority->priority}};
  }
  if (p.scheduler) j["scheduler"] = SchedulerJson(*p.scheduler);
  return j;
}

Json MountJson(const Mount& m) {
  Json j;
  j["destination"] = m.destination;
  PutString(j, "type", m.type);
  PutString(j, "source", m.source);
  PutList(j, "options", m.options);
  PutObjects(j, "uidMappings", m.uid_mappings, IdMappingJson);
  PutObjects(j, "gidMappings", m.gid_mappings, IdMappingJson);
  return j;
}

Json HookJson(const Hook& h) {
  Json j;
  j["path"] = h.path;
  PutList(j, "args", h.args);
  PutList(j, "env", h.env);
  PutOptional(j, "timeout", h.timeout);
  return j;
}

Json HooksJson(const Hooks& h) {
  Json j = Json::object();
  PutObjects(j, "prestart", h.prestart, HookJson);
  PutObjects(j, "createRuntime", h.create_runtime, HookJson);
  PutObjects(j, "createContainer", h.create_container, HookJson);
  PutObjects(j, "startContainer", h.start_container, HookJson);
  PutObjects(j, "poststart", h.poststart, HookJson);
  PutObjects(j, "poststop", h.poststop, HookJson);
  return j;
}

Json DeviceJson(const Device& d) {
  Json j;
  j["path"] = d.path;
  j["type"] = std::string(1, d.type);
  j["major"] = d.major;
  j["minor"] = d.minor;
  PutOptional(j, "fileMode", d.file_mode);
  PutOptional(j, "uid", d.uid);
  PutOptional(j, "gid", d.gid);
  return j;
}

Json DeviceRuleJson(const DeviceCgroupRule& r) {
  Json j;
  j["allow"] = r.allow;
  PutString(j, "type", r.type);
  PutOptional(j, "major", r.major);
  PutOptional(j, "minor", r.minor);
  PutString(j, "access", r.access);
  return j;
}

Json MemoryJson(const MemoryResources& m) {
  Json j = Json::object();
  PutOptional(j, "limit", m.limit);
  PutOptional(j, "reservation", m.reservation);
  PutOptional(j, "swap", m.swap);
  PutOptional(j, "kernel", m.kernel);
  PutOptional(j, "kernelTCP", m.kernel_tcp);
  PutOptional(j, "swappiness", m.swappiness);
  PutOptional(j, "disableOOMKiller", m.disable_oom_killer);
  PutOptional(j, "useHierarchy", m.use_hierarchy);
  PutOptional(j, "checkBeforeUpdate", m.check_before_update);
  return j;
}

Json CpuJson(const CpuResources& c) {
  Json j = Json::object();
  PutOptional(j, "shares", c.shares);
  PutOptional(j, "quota", c.quota);
  PutOptional(j, "burst", c.burst);
  PutOptional(j, "period", c.period);
  PutOptional(j, "realtimeRuntime", c.realtime_runtime);
  PutOptional(j, "realtimePeriod", c.realtime_period);
  PutString(j, "cpus", c.cpus);
  PutString(j, "mems", c.mems);
  PutOptional(j, "idle", c.idle);
  return j;
}

Json ThrottleJson(const ThrottleDevice& t) {
  return {{"major", t.major}, {"minor", t.minor}, {"rate", t.rate}};
}

Json BlockIoJson(const BlockIoResources& b) {
  Json j = Json::object();
  PutOptional(j, "weight", b.weight);
  PutOptional(j, "leafWeight", b.leaf_weight);
  PutObjects(j, "weightDevice", b.weight_device,
             [](const WeightDevice& w) -> Json {
               Json d;
               d["major"] = w.major;
               d["minor"] = w.minor;
               PutOptional(d, "weight", w.weight);
               PutOptional(d, "leafWeight", w.leaf_weight);
               return d;
             });
  PutObjects(j, "throttleReadBpsDevice", b.throttle_read_bps_device,
             ThrottleJson);
  PutObjects(j, "throttleWriteBpsDevice", b.throttle_write_bps_device,
             ThrottleJson);
  PutObjects(j, "throttleReadIOPSDevice", b.throttle_read_iops_device,
             ThrottleJson);
  PutObjects(j, "throttleWriteIOPSDevice", b.throttle_write_iops_device,
             ThrottleJson);
  return j;
}

Json NetworkJson(const NetworkResources& n) {
  Json j = Json::object();
  PutOptional(j, "classID", n.class_id);
  PutObjects(j, "priorities", n.priorities,
             [](const NetworkPriority& p) -> Json {
               return {{"name", p.name}, {"priority", p.priority}};
             });
  return j;
}

Json ResourcesJson(const Resources& r) {
  Json j = Json::object();
  PutObjects(j, "devices", r.devices, DeviceRuleJson);
  if (r.memory) j["memory"] = MemoryJson(*r.memory);
  if (r.cpu) j["cpu"] = CpuJson(*r.cpu);
  if (r.pids) j["pids"] = {{"limit", r.pids->limit}};
  if (r.block_io) j["blockIO"] = BlockIoJson(*r.block_io);
  PutObjects(j, "hugepageLimits", r.hugepage_limits,
             [](const HugepageLimit& h) -> Json {
               return {{"pageSize", h.page_size}, {"limit", h.limit}};
             });
  if (r.network) j["network"] = NetworkJson(*r.network);
  PutMap(j, "unified", r.unified);
  return j;
}

Json SeccompArgJson(const SeccompArg& a) {
  Json j;
  j["index"] = a.index;
  j["value"] = a.value;
  if (a.value_two != 0) j["valueTwo"] = a.value_two;
  j["op"] = a.op;
  return j;
}

Json SeccompJson(const Seccomp& s) {
  Json j;
  j["defaultAction"] = s.default_action;
  PutOptional(j, "defaultErrnoRet", s.default_errno_ret);
  PutList(j, "architectures", s.architectures);
  PutList(j, "flags", s.flags);
  PutString(j, "listenerPath", s.listener_path);
  PutString(j, "listenerMetadata", s.listener_metadata);
  PutObjects(j, "syscalls", s.syscalls, [](const SeccompSyscall& c) -> Json {
    Json call;
    call["names"] = c.names;
    call["action"] = c.action;
    PutOptional(call, "errnoRet", c.errno_ret);
    PutObjects(call, "args", c.args, SeccompArgJson);
    return call;
  });
  return j;
}

Json LinuxJson(const Linux& lx) {
  Json j = Json::object();
  PutObjects(j, "uidMappings", lx.uid_mappings, IdMappingJson);
  PutObjects(j, "gidMappings", lx.gid_mappings, IdMappingJson);
  PutMap(j, "sysctl", lx.sysctl);
  if (lx.resources) j["resources"] = ResourcesJson(*lx.resources);
  PutString(j, "cgroupsPath", lx.cgroups_path);
  PutObjects(j, "namespaces", lx.namespaces, [](const Namespace& ns) -> Json {
    Json n;
    n["type"] = std::string(NamespaceTypeName(ns.type));
    PutString(n, "path", ns.path);
    return n;
  });
  PutObjects(j, "devices", lx.devices, DeviceJson);
  if (lx.seccomp) j["seccomp"] = SeccompJson(*lx.seccomp);
  PutString(j, "rootfsPropagation", lx.rootfs_propagation);
  PutList(j, "maskedPaths", lx.masked_paths);
  PutList(j, "readonlyPaths", lx.readonly_paths);
  PutString(j, "mountLabel", lx.mount_label);
  if (lx.intel_rdt) {
    const IntelRdt& rdt = *lx.intel_rdt;
    Json r = Json::object();
    PutString(r, "closID", rdt.clos_id);
    PutString(r, "l3CacheSchema", rdt.l3_cache_schema);
    PutString(r, "memBwSchema", rdt.mem_bw_schema);
    if (rdt.enable_cmt) r["enableCMT"] = true;
    if (rdt.enable_mbm) r["enableMBM"] = true;
    j["intelRdt"] = std::move(r);
  }
  if (lx.personality) {
    Json p;
    p["domain"] = lx.personality->domain;
    PutList(p, "flags", lx.personality->flags);
    j["personality"] = std::move(p);
  }
  if (!lx.time_offsets_secs.empty()) {
    // The model keeps whole seconds only (what the launcher writes).
    Json t = Json::object();
    for (const auto& [clock, secs] : lx.time_offsets_secs) {
      t[clock] = {{"secs", secs}};
    }
    j["timeOffsets"] = std::move(t);
  }
  return j;
}

bool HasHooks(const Hooks& h) {
  return !h.prestart.empty() || !h.create_runtime.empty() ||
         !h.create_container.empty() || !h.start_container.empty() ||
         !h.poststart.empty() || !h.poststop.empty();
}

}  // namespace

std::string SpecToJson(const Spec& spec, bool pretty) {
  Json j;
  j["ociVersion"] = spec.oci_version;
  if (spec.process) j["process"] = ProcessJson(*spec.process);
  if (spec.root) {
    Json root;
    root["path"] = spec.root->path;
    if (spec.root->readonly) root["readonly"] = true;
    j["root"] = std::move(root);
  }
  PutString(j, "hostname", spec.hostname);
  PutString(j, "domainname", spec.domainname);
  PutObjects(j, "mounts", spec.mounts, MountJson);
  if (HasHooks(spec.hooks)) j["hooks"] = HooksJson(spec.hooks);
  PutMap(j, "annotations", spec.annotations);
  if (spec.linux) j["linux"] = LinuxJson(*spec.linux);
  return j.dump(pretty ? 4 : -1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace crate::oci
