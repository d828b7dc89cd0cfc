#include "runtime/oci/spec.h"

#include <sys/resource.h>

#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "runtime/base/status_macros.h"
#include "runtime/oci/json_reader.h"
#include "runtime/security/names.h"

namespace crate::oci {
namespace {

using json_reader::Field;
using json_reader::Find;
using json_reader::GetArray;
using json_reader::GetBool;
using json_reader::GetInt;
using json_reader::GetObject;
using json_reader::GetString;
using json_reader::GetStringMap;
using json_reader::GetStrings;
using json_reader::Index;
using json_reader::Invalid;
using json_reader::Json;
using json_reader::WrongType;

constexpr int kCapCount = security::kMaxKnownCapability + 1;

constexpr const char* kNamespaceNames[] = {
    "pid", "network", "mount", "ipc", "uts", "user", "cgroup", "time",
};

const std::set<absl::string_view>& SeccompActions() {
  static const auto* s = new std::set<absl::string_view>{
      "SCMP_ACT_KILL",  "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD",
      "SCMP_ACT_TRAP",  "SCMP_ACT_ERRNO",        "SCMP_ACT_TRACE",
      "SCMP_ACT_ALLOW", "SCMP_ACT_LOG",          "SCMP_ACT_NOTIFY"};
  return *s;
}

const std::set<absl::string_view>& SeccompOps() {
  static const auto* s = new std::set<absl::string_view>{
      "SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE",       "SCMP_CMP_EQ",
      "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ"};
  return *s;
}

const std::set<absl::string_view>& SeccompArchs() {
  static const auto* s = new std::set<absl::string_view>{
      "SCMP_ARCH_X86",      "SCMP_ARCH_X86_64",      "SCMP_ARCH_X32",
      "SCMP_ARCH_ARM",      "SCMP_ARCH_AARCH64",     "SCMP_ARCH_MIPS",
      "SCMP_ARCH_MIPS64",   "SCMP_ARCH_MIPS64N32",   "SCMP_ARCH_MIPSEL",
      "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC",
      "SCMP_ARCH_PPC64",    "SCMP_ARCH_PPC64LE",     "SCMP_ARCH_S390",
      "SCMP_ARCH_S390X",    "SCMP_ARCH_PARISC",      "SCMP_ARCH_PARISC64",
      "SCMP_ARCH_RISCV64",  "SCMP_ARCH_LOONGARCH64", "SCMP_ARCH_M68K",
      "SCMP_ARCH_SH",       "SCMP_ARCH_SHEB"};
  return *s;
}

const std::set<absl::string_view>& SeccompFlags() {
  static const auto* s = new std::set<absl::string_view>{
      "SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG",
      "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
      "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"};
  return *s;
}

std::string Quote(absl::string_view s) {
  return Json(std::string(s))
      .dump(-1, ' ', false, Json::error_handler_t::replace);
}

// Calls `each` with every element of the array at `parent`.`key` (none
// when it is absent) and its JSON path; elements must be objects.
template <typename Each>
absl::Status ForEachObject(const Json& obj, absl::string_view parent,
                           const char* key, Each each) {
  const Json* arr;
  RETURN_IF_ERROR(GetArray(obj, parent, key, &arr));
  if (arr == nullptr) return absl::OkStatus();
  std::string path = Field(parent, key);
  for (size_t i = 0; i < arr->size(); ++i) {
    const Json& e = (*arr)[i];
    std::string p = Index(path, i);
    if (!e.is_object()) return WrongType(p, "object", e);
    RETURN_IF_ERROR(each(e, p));
  }
  return absl::OkStatus();
}

absl::Status RequireAbsolute(absl::string_view path, const std::string& value) {
  if (value.empty() || value[0] != '/') {
    return Invalid(
        path, absl::StrCat("must be an absolute path, got ", Quote(value)));
  }
  return absl::OkStatus();
}

absl::Status ParseIdMappings(const Json& obj, absl::string_view parent,
                             const char* key, std::vector<IdMapping>* out) {
  return ForEachObject(
      obj, parent, key,
      [&](const Json& e, const std::string& p) -> absl::Status {
        IdMapping m;
        RETURN_IF_ERROR(GetInt(e, p, "containerID", &m.container_id, true));
        RETURN_IF_ERROR(GetInt(e, p, "hostID", &m.host_id, true));
        RETURN_IF_ERROR(GetInt(e, p, "size", &m.size, true));
        if (m.size == 0)
          return Invalid(Field(p, "size"), "must be positive, got 0");
        out->push_back(m);
        return absl::OkStatus();
      });
}

absl::Status ParseCapSet(const Json& obj, absl::string_view parent,
                         const char* key, std::vector<int>* out) {
  std::vector<std::string> names;
  RETURN_IF_ERROR(GetStrings(obj, parent, key, &names));
  std::string path = Field(parent, key);
  for (size_t i = 0; i < names.size(); ++i) {
    absl::optional<int> cap = CapabilityFromName(names[i]);
    if (!cap) {
      return Invalid(Index(path, i),
                     absl::StrCat("unknown capability ", Quote(names[i])));
    }
    out->push_back(*cap);
  }
  return absl::OkStatus();
}

absl::Status ParseUser(const Json& obj, absl::string_view path, User* user) {
  RETURN_IF_ERROR(GetInt(obj, path, "uid", &user->uid, true));
  RETURN_IF_ERROR(GetInt(obj, path, "gid", &user->gid, true));
  RETURN_IF_ERROR(GetInt(obj, path, "umask", &user->umask));
  if (user->umask && *user->umask > 0777) {
    return Invalid(Field(path, "umask"),
                   absl::StrCat("must be at most 0777, got ", *user->umask));
  }
  const Json* gids;
  RETURN_IF_ERROR(GetArray(obj, path, "additionalGids", &gids));
  if (gids != nullptr) {
    std::string p = Field(path, "additionalGids");
    for (size_t i = 0; i < gids->size(); ++i) {
      uint32_t gid;
      RETURN_IF_ERROR(json_reader::ToInt((*gids)[i], Index(p, i), &gid));
      user->additional_gids.push_back(gid);
    }
  }
  RETURN_IF_ERROR(GetString(obj, path, "username", &user->username));
  return absl::OkStatus();
}

absl::Status ParseRlimits(const Json& obj, absl::string_view parent,
                          std::vector<Rlimit>* out) {
  std::set<int> seen;
  return ForEachObject(
      obj, parent, "rlimits",
      [&](const Json& e, const std::string& p) -> absl::Status {
        Rlimit r;
        RETURN_IF_ERROR(GetString(e, p, "type", &r.type, true));
        bool known = false;
        for (const security::NamedRlimit& n : security::kRlimitNames) {
          if (r.type == n.name) {
            r.resource = n.resource;
            known = true;
          }
        }
        if (!known) {
          return Invalid(Field(p, "type"),
                         absl::StrCat("unknown rlimit ", Quote(r.type)));
        }
        if (!seen.insert(r.resource).second) {
          return Invalid(Field(p, "type"),
                         absl::StrCat("duplicate rlimit ", Quote(r.type)));
        }
        RETURN_IF_ERROR(GetInt(e, p, "hard", &r.hard, true));
        RETURN_IF_ERROR(GetInt(e, p, "soft", &r.soft, true));
        if (r.soft > r.hard) {
          return Invalid(Field(p, "soft"),
                         absl::StrCat("soft limit ", r.soft,
                                      " is above the hard limit ", r.hard));
        }
        out->push_back(r);
        return absl::OkStatus();
      });
}

absl::Status ParseProcess(const Json& obj, absl::string_view path,
                          Process* proc) {
  RETURN_IF_ERROR(GetBool(obj, path, "terminal", &proc->terminal));
  const Json* sub;
  RETURN_IF_ERROR(GetObject(obj, path, "consoleSize", &sub));
  if (sub != nullptr) {
    std::string p = Field(path, "consoleSize");
    ConsoleSize size;
    RETURN_IF_ERROR(GetInt(*sub, p, "height", &size.height, true));
    RETURN_IF_ERROR(GetInt(*sub, p, "width", &size.width, true));
    proc->console_size = size;
  }
  RETURN_IF_ERROR(GetObject(obj, path, "user", &sub, true));
  RETURN_IF_ERROR(ParseUser(*sub, Field(path, "user"), &proc->user));

  RETURN_IF_ERROR(GetStrings(obj, path, "args", &proc->args));
  RETURN_IF_ERROR(GetString(obj, path, "commandLine", &proc->command_line));
  RETURN_IF_ERROR(GetStrings(obj, path, "env", &proc->env));
  for (size_t i = 0; i < proc->env.size(); ++i) {
    const std::string& e = proc->env[i];
    size_t eq = e.find('=');
    if (eq == std::string::npos || eq == 0) {
      return Invalid(Index(Field(path, "env"), i),
                     absl::StrCat("expected NAME=VALUE, got ", Quote(e)));
    }
  }
  RETURN_IF_ERROR(GetString(obj, path, "cwd", &proc->cwd, true));
  RETURN_IF_ERROR(RequireAbsolute(Field(path, "cwd"), proc->cwd));

  RETURN_IF_ERROR(GetObject(obj, path, "capabilities", &sub));
  if (sub != nullptr) {
    std::string p = Field(path, "capabilities");
    Capabilities caps;
    RETURN_IF_ERROR(ParseCapSet(*sub, p, "bounding", &caps.bounding));
    RETURN_IF_ERROR(ParseCapSet(*sub, p, "effective", &caps.effective));
    RETURN_IF_ERROR(ParseCapSet(*sub, p, "inheritable", &caps.inheritable));
    RETURN_IF_ERROR(ParseCapSet(*sub, p, "permitted", &caps.permitted));
    RETURN_IF_ERROR(ParseCapSet(*sub, p, "ambient", &caps.ambient));
    proc->capabilities = std::move(caps);
  }
  RETURN_IF_ERROR(ParseRlimits(obj, path, &proc->rlimits));
  RETURN_IF_ERROR(
      GetBool(obj, path, "noNewPrivileges", &proc->no_new_privileges));
  RETURN_IF_ERROR(
      GetString(obj, path, "apparmorProfile", &proc->apparmor_profile));
  RETURN_IF_ERROR(GetInt(obj, path, "oomScoreAdj", &proc->oom_score_adj));
  if (proc->oom_score_adj &&
      (*proc->oom_score_adj < -1000 || *proc->oom_score_adj > 1000)) {
    return Invalid(Field(path, "oomScoreAdj"),
                   absl::StrCat("must be within [-1000, 1000], got ",
                                *proc->oom_score_adj));
  }
  RETURN_IF_ERROR(GetString(obj, path, "selinuxLabel", &proc->selinux_label));

  RETURN_IF_ERROR(GetObject(obj, path, "ioPriority", &sub));
  if (sub != nullptr) {
    std::string p = Field(path, "ioPriority");
    IoPriority prio;
    RETURN_IF_ERROR(GetString(*sub, p, "class", &prio.klass, true));
    if (prio.klass != "IOPRIO_CLASS_RT" && prio.klass != "IOPRIO_CLASS_BE" &&
        prio.klass != "IOPRIO_CLASS_IDLE") {
      return Invalid(Field(p, "class"),
                     absl::StrCat("unknown class ", Quote(prio.klass)));
    }
    RETURN_IF_ERROR(GetInt(*sub, p, "priority", &prio.priority));
    if (prio.priority < 0 || prio.priority > 7) {
      return Invalid(
          Field(p, "priority"),
          absl::StrCat("must be within [0, 7], got ", prio.priority));
    }
    proc->io_priority = prio;
  }

  RETURN_IF_ERROR(GetObject(obj, path, "scheduler", &sub));
  if (sub != nullptr) {
    std::string p = Field(path, "scheduler");
    Scheduler s;
    RETURN_IF_ERROR(GetString(*sub, p, "policy", &s.policy, true));
    static const std::set<absl::string_view> kPolicies = {
        "SCHED_OTHER", "SCHED_FIFO", "SCHED_RR",      "SCHED_BATCH",
        "SCHED_ISO",   "SCHED_IDLE", "SCHED_DEADLINE"};
    if (kPolicies.count(s.policy) == 0) {
      return Invalid(Field(p, "policy"),
                     absl::StrCat("unknown policy ", Quote(s.policy)));
    }
    RETURN_IF_ERROR(GetInt(*sub, p, "nice", &s.nice));
    RETURN_IF_ERROR(GetInt(*sub, p, "priority", &s.priority));
    RETURN_IF_ERROR(GetStrings(*sub, p, "flags", &s.flags));
    RETURN_IF_ERROR(GetInt(*sub, p, "runtime", &s.runtime));
    RETURN_IF_ERROR(GetInt(*sub, p, "deadline", &s.deadline));
    RETURN_IF_ERROR(GetInt(*sub, p, "period", &s.period));
    proc->scheduler = std::move(s);
  }
  return absl::OkStatus();
}

absl::Status ParseMounts(const Json& obj, std::vector<Mount>* out,
                         std::vector<std::string>* warnings) {
  return ForEachObject(
      obj, "", "mounts",
      [&](const Json& e, const std::string& p) -> absl::Status {
        Mount m;
        RETURN_IF_ERROR(GetString(e, p, "destination", &m.destination, true));
        if (m.destination.empty()) {
          return Invalid(Field(p, "destination"), "must not be empty");
        }
        // Older specs allowed a relative destination and podman still
        // passes one from an image's VOLUME list; runc and crun take it
        // from the container's root, runc with a warning.
        if (m.destination[0] != '/') {
          warnings->push_back(absl::StrCat(
              Field(p, "destination"), ": ", Quote(m.destination),
              " is not absolute; taken as \"/", m.destination, "\""));
          m.destination.insert(0, "/");
        }
        RETURN_IF_ERROR(GetString(e, p, "type", &m.type));
        RETURN_IF_ERROR(GetString(e, p, "source", &m.source));
        RETURN_IF_ERROR(GetStrings(e, p, "options", &m.options));
        RETURN_IF_ERROR(ParseIdMappings(e, p, "uidMappings", &m.uid_mappings));
        RETURN_IF_ERROR(ParseIdMappings(e, p, "gidMappings", &m.gid_mappings));
        out->push_back(std::move(m));
        return absl::OkStatus();
      });
}

absl::Status ParseHookList(const Json& obj, absl::string_view parent,
                           const char* key, std::vector<Hook>* out) {
  return ForEachObject(
      obj, parent, key,
      [&](const Json& e, const std::string& p) -> absl::Status {
        Hook h;
        RETURN_IF_ERROR(GetString(e, p, "path", &h.path, true));
        RETURN_IF_ERROR(RequireAbsolute(Field(p, "path"), h.path));
        RETURN_IF_ERROR(GetStrings(e, p, "args", &h.args));
        RETURN_IF_ERROR(GetStrings(e, p, "env", &h.env));
        RETURN_IF_ERROR(GetInt(e, p, "timeout", &h.timeout));
        if (h.timeout && *h.timeout <= 0) {
          return Invalid(Field(p, "timeout"),
                         absl::StrCat("must be positive, got ", *h.timeout));
        }
        out->push_back(std::move(h));
        return absl::OkStatus();
      });
}

absl::Status ParseHooks(const Json& obj, Hooks* hooks) {
  const Json* h;
  RETURN_IF_ERROR(GetObject(obj, "", "hooks", &h));
  if (h == nullptr) return absl::OkStatus();
  RETURN_IF_ERROR(ParseHookList(*h, "hooks", "prestart", &hooks->prestart));
  RETURN_IF_ERROR(
      ParseHookList(*h, "hooks", "createRuntime", &hooks->create_runtime));
  RETURN_IF_ERROR(
      ParseHookList(*h, "hooks", "createContainer", &hooks->create_container));
  RETURN_IF_ERROR(
      ParseHookList(*h, "hooks", "startContainer", &hooks->start_container));
  RETURN_IF_ERROR(ParseHookList(*h, "hooks", "poststart", &hooks->poststart));
  RETURN_IF_ERROR(ParseHookList(*h, "hooks", "poststop", &hooks->poststop));
  return absl::OkStatus();
}

absl::Status ParseNamespaces(const Json& obj, absl::string_view parent,
                             std::vector<Namespace>* out) {
  return ForEachObject(
      obj, parent, "namespaces",
      [&](const Json& e, const std::string& p) -> absl::Status {
        std::string type;
        RETURN_IF_ERROR(GetString(e, p, "type", &type, true));
        absl::optional<NamespaceType> t = NamespaceTypeFromName(type);
        if (!t) {
          return Invalid(Field(p, "type"),
                         absl::StrCat("unknown namespace ", Quote(type)));
        }
        for (const Namespace& prev : *out) {
          if (prev.type == *t) {
            return Invalid(Field(p, "type"),
                           absl::StrCat("duplicate namespace ", Quote(type)));
          }
        }
        Namespace ns;
        ns.type = *t;
        RETURN_IF_ERROR(GetString(e, p, "path", &ns.path));
        if (!ns.path.empty()) {
          RETURN_IF_ERROR(RequireAbsolute(Field(p, "path"), ns.path));
        }
        out->push_back(std::move(ns));
        return absl::OkStatus();
      });
}

absl::Status ParseDevices(const Json& obj, absl::string_view parent,
                          std::vector<Device>* out) {
  return ForEachObject(
      obj, parent, "devices",
      [&](const Json& e, const std::string& p) -> absl::Status {
        Device d;
        RETURN_IF_ERROR(GetString(e, p, "path", &d.path, true));
        RETURN_IF_ERROR(RequireAbsolute(Field(p, "path"), d.path));
        std::string type;
        RETURN_IF_ERROR(GetString(e, p, "type", &type, true));
        if (type != "c" && type != "b" && type != "u" && type != "p") {
          return Invalid(Field(p, "type"),
                         absl::StrCat("unknown device type ", Quote(type),
                                      " (want c, b, u or p)"));
        }
        d.type = type[0];
        bool need_numbers = d.type != 'p';
        RETURN_IF_ERROR(GetInt(e, p, "major", &d.major, need_numbers));
        RETURN_IF_ERROR(GetInt(e, p, "minor", &d.minor, need_numbers));
        if (d.major < 0 || d.minor < 0) {
          return Invalid(Field(p, d.major < 0 ? "major" : "minor"),
                         "must not be negative");
        }
        RETURN_IF_ERROR(GetInt(e, p, "fileMode", &d.file_mode));
        // Podman sends the file type with the permissions (020600 for a
        // character device); runc and crun take the permission bits, and
        // so does this: the type comes from "type".
        constexpr int64_t kTypeBits = 0170000;
        if (d.file_mode && *d.file_mode > 0177777) {
          return Invalid(Field(p, "fileMode"),
                         absl::StrCat("not a file mode, got ", *d.file_mode));
        }
        if (d.file_mode) *d.file_mode &= ~kTypeBits;
        RETURN_IF_ERROR(GetInt(e, p, "uid", &d.uid));
        RETURN_IF_ERROR(GetInt(e, p, "gid", &d.gid));
        out->push_back(std::move(d));
        return absl::OkStatus();
      });
}

// A -1 means "unlimited" to the Go runtimes; 0 means "not set"; anything
// else below zero cannot be written to a cgroup file.
absl::Status CheckLimit(absl::string_view path,
                        const absl::optional<int64_t>& v) {
  if (v && *v < -1) {
    return Invalid(
        path, absl::StrCat("impossible value ", *v,
                           " (want -1 for unlimited, or a positive value)"));
  }
  return absl::OkStatus();
}

// "0-3,5,7-8"
bool ValidCpuList(const std::string& s) {
  if (s.empty()) return true;
  for (absl::string_view part : absl::StrSplit(s, ',')) {
    std::vector<absl::string_view> range = absl::StrSplit(part, '-');
    if (range.size() > 2) return false;
    uint32_t lo, hi;
    if (!absl::SimpleAtoi(range[0], &lo)) return false;
    if (range.size() == 2) {
      if (!absl::SimpleAtoi(range[1], &hi) || hi < lo) return false;
    }
  }
  return true;
}

absl::Status ParseMemory(const Json& m, absl::string_view p,
                         MemoryResources* mem) {
  RETURN_IF_ERROR(GetInt(m, p, "limit", &mem->limit));
  RETURN_IF_ERROR(GetInt(m, p, "reservation", &mem->reservation));
  RETURN_IF_ERROR(GetInt(m, p, "swap", &mem->swap));
  RETURN_IF_ERROR(GetInt(m, p, "kernel", &mem->kernel));
  RETURN_IF_ERROR(GetInt(m, p, "kernelTCP", &mem->kernel_tcp));
  RETURN_IF_ERROR(CheckLimit(Field(p, "limit"), mem->limit));
  RETURN_IF_ERROR(CheckLimit(Field(p, "reservation"), mem->reservation));
  RETURN_IF_ERROR(CheckLimit(Field(p, "swap"), mem->swap));
  RETURN_IF_ERROR(CheckLimit(Field(p, "kernel"), mem->kernel));
  RETURN_IF_ERROR(CheckLimit(Field(p, "kernelTCP"), mem->kernel_tcp));
  if (mem->limit && mem->swap && *mem->limit > 0 && *mem->swap > 0 &&
      *mem->swap < *mem->limit) {
    return Invalid(Field(p, "swap"),
                   absl::StrCat("memory+swap limit ", *mem->swap,
                                " is below the memory limit ", *mem->limit));
  }
  RETURN_IF_ERROR(GetInt(m, p, "swappiness", &mem->swappiness));
  if (mem->swappiness && *mem->swappiness > 100) {
    return Invalid(
        Field(p, "swappiness"),
        absl::StrCat("must be within [0, 100], got ", *mem->swappiness));
  }
  RETURN_IF_ERROR(GetBool(m, p, "disableOOMKiller", &mem->disable_oom_killer));
  RETURN_IF_ERROR(GetBool(m, p, "useHierarchy", &mem->use_hierarchy));
  RETURN_IF_ERROR(
      GetBool(m, p, "checkBeforeUpdate", &mem->check_before_update));
  return absl::OkStatus();
}

absl::Status ParseCpu(const Json& c, absl::string_view p, CpuResources* cpu) {
  RETURN_IF_ERROR(GetInt(c, p, "shares", &cpu->shares));
  RETURN_IF_ERROR(GetInt(c, p, "quota", &cpu->quota));
  RETURN_IF_ERROR(CheckLimit(Field(p, "quota"), cpu->quota));
  RETURN_IF_ERROR(GetInt(c, p, "burst", &cpu->burst));
  RETURN_IF_ERROR(GetInt(c, p, "period", &cpu->period));
  if (cpu->period && *cpu->period != 0 &&
      (*cpu->period < 1000 || *cpu->period > 1000000)) {
    return Invalid(Field(p, "period"),
                   absl::StrCat("must be within [1000, 1000000] microseconds, "
                                "got ",
                                *cpu->period));
  }
  RETURN_IF_ERROR(GetInt(c, p, "realtimeRuntime", &cpu->realtime_runtime));
  RETURN_IF_ERROR(GetInt(c, p, "realtimePeriod", &cpu->realtime_period));
  RETURN_IF_ERROR(GetString(c, p, "cpus", &cpu->cpus));
  if (!ValidCpuList(cpu->cpus)) {
    return Invalid(Field(p, "cpus"),
                   absl::StrCat("not a CPU list, got ", Quote(cpu->cpus)));
  }
  RETURN_IF_ERROR(GetString(c, p, "mems", &cpu->mems));
  if (!ValidCpuList(cpu->mems)) {
    return Invalid(
        Field(p, "mems"),
        absl::StrCat("not a memory node list, got ", Quote(cpu->mems)));
  }
  RETURN_IF_ERROR(GetInt(c, p, "idle", &cpu->idle));
  if (cpu->idle && *cpu->idle != 0 && *cpu->idle != 1) {
    return Invalid(Field(p, "idle"),
                   absl::StrCat("must be 0 or 1, got ", *cpu->idle));
  }
  return absl::OkStatus();
}

absl::Status CheckWeight(absl::string_view path,
                         const absl::optional<uint16_t>& w) {
  if (w && *w != 0 && (*w < 10 || *w > 1000)) {
    return Invalid(path, absl::StrCat("must be within [10, 1000], got ", *w));
  }
  return absl::OkStatus();
}

absl::Status ParseThrottle(const Json& obj, absl::string_view parent,
                           const char* key, std::vector<ThrottleDevice>* out) {
  return ForEachObject(
      obj, parent, key,
      [&](const Json& e, const std::string& p) -> absl::Status {
        ThrottleDevice d;
        RETURN_IF_ERROR(GetInt(e, p, "major", &d.major, true));
        RETURN_IF_ERROR(GetInt(e, p, "minor", &d.minor, true));
        RETURN_IF_ERROR(GetInt(e, p, "rate", &d.rate, true));
        out->push_back(d);
        return absl::OkStatus();
      });
}

absl::Status ParseBlockIo(const Json& b, absl::string_view p,
                          BlockIoResources* io) {
  RETURN_IF_ERROR(GetInt(b, p, "weight", &io->weight));
  RETURN_IF_ERROR(CheckWeight(Field(p, "weight"), io->weight));
  RETURN_IF_ERROR(GetInt(b, p, "leafWeight", &io->leaf_weight));
  RETURN_IF_ERROR(CheckWeight(Field(p, "leafWeight"), io->leaf_weight));
  const Json* arr;
  RETURN_IF_ERROR(GetArray(b, p, "weightDevice", &arr));
  if (arr != nullptr) {
    std::string path = Field(p, "weightDevice");
    for (size_t i = 0; i < arr->size(); ++i) {
      const Json& e = (*arr)[i];
      std::string ep = Index(path, i);
      if (!e.is_object()) return WrongType(ep, "object", e);
      WeightDevice d;
      RETURN_IF_ERROR(GetInt(e, ep, "major", &d.major, true));
      RETURN_IF_ERROR(GetInt(e, ep, "minor", &d.minor, true));
      RETURN_IF_ERROR(GetInt(e, ep, "weight", &d.weight));
      RETURN_IF_ERROR(CheckWeight(Field(ep, "weight"), d.weight));
      RETURN_IF_ERROR(GetInt(e, ep, "leafWeight", &d.leaf_weight));
      RETURN_IF_ERROR(CheckWeight(Field(ep, "leafWeight"), d.leaf_weight));
      io->weight_device.push_back(d);
    }
  }
  RETURN_IF_ERROR(ParseThrottle(b, p, "throttleReadBpsDevice",
                                &io->throttle_read_bps_device));
  RETURN_IF_ERROR(ParseThrottle(b, p, "throttleWriteBpsDevice",
                                &io->throttle_write_bps_device));
  RETURN_IF_ERROR(ParseThrottle(b, p, "throttleReadIOPSDevice",
                                &io->throttle_read_iops_device));
  RETURN_IF_ERROR(ParseThrottle(b, p, "throttleWriteIOPSDevice",
                                &io->throttle_write_iops_device));
  return absl::OkStatus();
}

bool ValidPageSize(const std::string& s) {
  size_t digits = 0;
  while (digits < s.size() && absl::ascii_isdigit(s[digits])) ++digits;
  if (digits == 0) return false;
  absl::string_view unit = absl::string_view(s).substr(digits);
  return unit == "KB" || unit == "MB" || unit == "GB" || unit == "TB" ||
         unit == "PB" || unit == "B";
}

absl::Status ParseResources(const Json& r, absl::string_view p,
                            Resources* res) {
  const Json* arr;
  RETURN_IF_ERROR(GetArray(r, p, "devices", &arr));
  if (arr != nullptr) {
    std::string path = Field(p, "devices");
    for (size_t i = 0; i < arr->size(); ++i) {
      const Json& e = (*arr)[i];
      std::string ep = Index(path, i);
      if (!e.is_object()) return WrongType(ep, "object", e);
      DeviceCgroupRule rule;
      RETURN_IF_ERROR(GetBool(e, ep, "allow", &rule.allow, true));
      RETURN_IF_ERROR(GetString(e, ep, "type", &rule.type));
      if (!rule.type.empty() && rule.type != "a" && rule.type != "b" &&
          rule.type != "c") {
        return Invalid(Field(ep, "type"),
                       absl::StrCat("unknown device type ", Quote(rule.type),
                                    " (want a, b or c)"));
      }
      RETURN_IF_ERROR(GetInt(e, ep, "major", &rule.major));
      RETURN_IF_ERROR(GetInt(e, ep, "minor", &rule.minor));
      RETURN_IF_ERROR(GetString(e, ep, "access", &rule.access));
      if (rule.access.find_first_not_of("rwm") != std::string::npos) {
        return Invalid(Field(ep, "access"),
                       absl::StrCat("want a combination of r, w and m, got ",
                                    Quote(rule.access)));
      }
      res->devices.push_back(std::move(rule));
    }
  }
  const Json* sub;
  RETURN_IF_ERROR(GetObject(r, p, "memory", &sub));
  if (sub != nullptr) {
    MemoryResources mem;
    RETURN_IF_ERROR(ParseMemory(*sub, Field(p, "memory"), &mem));
    res->memory = mem;
  }
  RETURN_IF_ERROR(GetObject(r, p, "cpu", &sub));
  if (sub != nullptr) {
    CpuResources cpu;
    RETURN_IF_ERROR(ParseCpu(*sub, Field(p, "cpu"), &cpu));
    res->cpu = std::move(cpu);
  }
  RETURN_IF_ERROR(GetObject(r, p, "pids", &sub));
  if (sub != nullptr) {
    PidsResources pids;
    std::string pp = Field(p, "pids");
    RETURN_IF_ERROR(GetInt(*sub, pp, "limit", &pids.limit, true));
    RETURN_IF_ERROR(CheckLimit(Field(pp, "limit"), pids.limit));
    res->pids = pids;
  }
  RETURN_IF_ERROR(GetObject(r, p, "blockIO", &sub));
  if (sub != nullptr) {
    BlockIoResources io;
    RETURN_IF_ERROR(ParseBlockIo(*sub, Field(p, "blockIO"), &io));
    res->block_io = std::move(io);
  }
  RETURN_IF_ERROR(GetArray(r, p, "hugepageLimits", &arr));
  if (arr != nullptr) {
    std::string path = Field(p, "hugepageLimits");
    for (size_t i = 0; i < arr->size(); ++i) {
      const Json& e = (*arr)[i];
      std::string ep = Index(path, i);
      if (!e.is_object()) return WrongType(ep, "object", e);
      HugepageLimit h;
      RETURN_IF_ERROR(GetString(e, ep, "pageSize", &h.page_size, true));
      if (!ValidPageSize(h.page_size)) {
        return Invalid(Field(ep, "pageSize"),
                       absl::StrCat("not a page size like \"2MB\", got ",
                                    Quote(h.page_size)));
      }
      RETURN_IF_ERROR(GetInt(e, ep, "limit", &h.limit, true));
      res->hugepage_limits.push_back(std::move(h));
    }
  }
  RETURN_IF_ERROR(GetObject(r, p, "network", &sub));
  if (sub != nullptr) {
    NetworkResources net;
    std::string np = Field(p, "network");
    RETURN_IF_ERROR(GetInt(*sub, np, "classID", &net.class_id));
    RETURN_IF_ERROR(GetArray(*sub, np, "priorities", &arr));
    if (arr != nullptr) {
      std::string path = Field(np, "priorities");
      for (size_t i = 0; i < arr->size(); ++i) {
        const Json& e = (*arr)[i];
        std::string ep = Index(path, i);
        if (!e.is_object()) return WrongType(ep, "object", e);
        NetworkPriority prio;
        RETURN_IF_ERROR(GetString(e, ep, "name", &prio.name, true));
        RETURN_IF_ERROR(GetInt(e, ep, "priority", &prio.priority, true));
        net.priorities.push_back(std::move(prio));
      }
    }
    res->network = std::move(net);
  }
  RETURN_IF_ERROR(GetStringMap(r, p, "unified", &res->unified));
  for (const auto& [key, value] : res->unified) {
    if (key.empty() || key.find('/') != std::string::npos ||
        key.find('.') == std::string::npos || key[0] == '.') {
      return Invalid(Field(Field(p, "unified"), key),
                     absl::StrCat("not a cgroup file name like \"memory.max\", "
                                  "got ",
                                  Quote(key)));
    }
  }
  return absl::OkStatus();
}

absl::Status ParseSeccomp(const Json& s, absl::string_view p, Seccomp* sc) {
  RETURN_IF_ERROR(GetString(s, p, "defaultAction", &sc->default_action, true));
  if (SeccompActions().count(sc->default_action) == 0) {
    return Invalid(Field(p, "defaultAction"),
                   absl::StrCat("unknown action ", Quote(sc->default_action)));
  }
  RETURN_IF_ERROR(GetInt(s, p, "defaultErrnoRet", &sc->default_errno_ret));
  RETURN_IF_ERROR(GetStrings(s, p, "architectures", &sc->architectures));
  for (size_t i = 0; i < sc->architectures.size(); ++i) {
    if (SeccompArchs().count(sc->architectures[i]) == 0) {
      return Invalid(
          Index(Field(p, "architectures"), i),
          absl::StrCat("unknown architecture ", Quote(sc->architectures[i])));
    }
  }
  RETURN_IF_ERROR(GetStrings(s, p, "flags", &sc->flags));
  for (size_t i = 0; i < sc->flags.size(); ++i) {
    if (SeccompFlags().count(sc->flags[i]) == 0) {
      return Invalid(Index(Field(p, "flags"), i),
                     absl::StrCat("unknown flag ", Quote(sc->flags[i])));
    }
  }
  RETURN_IF_ERROR(GetString(s, p, "listenerPath", &sc->listener_path));
  RETURN_IF_ERROR(GetString(s, p, "listenerMetadata", &sc->listener_metadata));
  const Json* arr;
  RETURN_IF_ERROR(GetArray(s, p, "syscalls", &arr));
  if (arr == nullptr) return absl::OkStatus();
  std::string path = Field(p, "syscalls");
  bool notify = sc->default_action == "SCMP_ACT_NOTIFY";
  for (size_t i = 0; i < arr->size(); ++i) {
    const Json& e = (*arr)[i];
    std::string ep = Index(path, i);
    if (!e.is_object()) return WrongType(ep, "object", e);
    SeccompSyscall call;
    RETURN_IF_ERROR(GetStrings(e, ep, "names", &call.names, true));
    if (call.names.empty()) return Invalid(Field(ep, "names"), "empty");
    RETURN_IF_ERROR(GetString(e, ep, "action", &call.action, true));
    if (SeccompActions().count(call.action) == 0) {
      return Invalid(Field(ep, "action"),
                     absl::StrCat("unknown action ", Quote(call.action)));
    }
    notify = notify || call.action == "SCMP_ACT_NOTIFY";
    RETURN_IF_ERROR(GetInt(e, ep, "errnoRet", &call.errno_ret));
    const Json* args;
    RETURN_IF_ERROR(GetArray(e, ep, "args", &args));
    if (args != nullptr) {
      std::string ap = Field(ep, "args");
      for (size_t j = 0; j < args->size(); ++j) {
        const Json& a = (*args)[j];
        std::string aip = Index(ap, j);
        if (!a.is_object()) return WrongType(aip, "object", a);
        SeccompArg arg;
        RETURN_IF_ERROR(GetInt(a, aip, "index", &arg.index, true));
        if (arg.index > 5) {
          return Invalid(
              Field(aip, "index"),
              absl::StrCat("must be within [0, 5], got ", arg.index));
        }
        RETURN_IF_ERROR(GetInt(a, aip, "value", &arg.value, true));
        RETURN_IF_ERROR(GetInt(a, aip, "valueTwo", &arg.value_two));
        RETURN_IF_ERROR(GetString(a, aip, "op", &arg.op, true));
        if (SeccompOps().count(arg.op) == 0) {
          return Invalid(Field(aip, "op"),
                         absl::StrCat("unknown operator ", Quote(arg.op)));
        }
        call.args.push_back(std::move(arg));
      }
    }
    sc->syscalls.push_back(std::move(call));
  }
  if (notify && sc->listener_path.empty()) {
    return Invalid(Field(p, "listenerPath"),
                   "required when an action is SCMP_ACT_NOTIFY");
  }
  return absl::OkStatus();
}

absl::Status ParsePathList(const Json& obj, absl::string_view parent,
                           const char* key, std::vector<std::string>* out) {
  RETURN_IF_ERROR(GetStrings(obj, parent, key, out));
  for (size_t i = 0; i < out->size(); ++i) {
    RETURN_IF_ERROR(RequireAbsolute(Index(Field(parent, key), i), (*out)[i]));
  }
  return absl::OkStatus();
}

absl::Status ParseLinux(const Json& obj, Linux* lx) {
  const std::string p = "linux";
  RETURN_IF_ERROR(ParseNamespaces(obj, p, &lx->namespaces));
  RETURN_IF_ERROR(ParseIdMappings(obj, p, "uidMappings", &lx->uid_mappings));
  RETURN_IF_ERROR(ParseIdMappings(obj, p, "gidMappings", &lx->gid_mappings));
  const Json* sub;
  RETURN_IF_ERROR(GetObject(obj, p, "timeOffsets", &sub));
  if (sub != nullptr) {
    std::string tp = Field(p, "timeOffsets");
    for (auto it = sub->begin(); it != sub->end(); ++it) {
      std::string cp = Field(tp, it.key());
      if (it.key() != "monotonic" && it.key() != "boottime") {
        return Invalid(cp, absl::StrCat("unknown clock ", Quote(it.key())));
      }
      if (!it.value().is_object()) return WrongType(cp, "object", it.value());
      int64_t secs = 0;
      uint32_t nanos = 0;
      RETURN_IF_ERROR(GetInt(it.value(), cp, "secs", &secs));
      RETURN_IF_ERROR(GetInt(it.value(), cp, "nanosecs", &nanos));
      lx->time_offsets_secs[it.key()] = secs;
    }
  }
  RETURN_IF_ERROR(ParseDevices(obj, p, &lx->devices));
  RETURN_IF_ERROR(GetString(obj, p, "cgroupsPath", &lx->cgroups_path));
  RETURN_IF_ERROR(GetObject(obj, p, "resources", &sub));
  if (sub != nullptr) {
    Resources res;
    RETURN_IF_ERROR(ParseResources(*sub, Field(p, "resources"), &res));
    lx->resources = std::move(res);
  }
  RETURN_IF_ERROR(GetStringMap(obj, p, "sysctl", &lx->sysctl));
  for (const auto& [key, value] : lx->sysctl) {
    if (key.empty() || key.find("..") != std::string::npos ||
        key.find('/') != std::string::npos) {
      return Invalid(Field(Field(p, "sysctl"), key), "not a sysctl name");
    }
  }
  RETURN_IF_ERROR(GetObject(obj, p, "seccomp", &sub));
  if (sub != nullptr) {
    Seccomp sc;
    RETURN_IF_ERROR(ParseSeccomp(*sub, Field(p, "seccomp"), &sc));
    lx->seccomp = std::move(sc);
  }
  RETURN_IF_ERROR(
      GetString(obj, p, "rootfsPropagation", &lx->rootfs_propagation));
  static const std::set<absl::string_view> kPropagations = {
      "",        "shared", "slave",    "private",    "unbindable",
      "rshared", "rslave", "rprivate", "runbindable"};
  if (kPropagations.count(lx->rootfs_propagation) == 0) {
    return Invalid(
        Field(p, "rootfsPropagation"),
        absl::StrCat("unknown propagation ", Quote(lx->rootfs_propagation)));
  }
  RETURN_IF_ERROR(ParsePathList(obj, p, "maskedPaths", &lx->masked_paths));
  RETURN_IF_ERROR(ParsePathList(obj, p, "readonlyPaths", &lx->readonly_paths));
  RETURN_IF_ERROR(GetString(obj, p, "mountLabel", &lx->mount_label));
  RETURN_IF_ERROR(GetObject(obj, p, "personality", &sub));
  if (sub != nullptr) {
    Personality pers;
    std::string pp = Field(p, "personality");
    RETURN_IF_ERROR(GetString(*sub, pp, "domain", &pers.domain, true));
    if (pers.domain != "LINUX" && pers.domain != "LINUX32") {
      return Invalid(Field(pp, "domain"),
                     absl::StrCat("unknown domain ", Quote(pers.domain),
                                  " (want LINUX or LINUX32)"));
    }
    RETURN_IF_ERROR(GetStrings(*sub, pp, "flags", &pers.flags));
    lx->personality = std::move(pers);
  }
  RETURN_IF_ERROR(GetObject(obj, p, "intelRdt", &sub));
  if (sub != nullptr) {
    IntelRdt rdt;
    std::string rp = Field(p, "intelRdt");
    RETURN_IF_ERROR(GetString(*sub, rp, "closID", &rdt.clos_id));
    RETURN_IF_ERROR(GetString(*sub, rp, "l3CacheSchema", &rdt.l3_cache_schema));
    RETURN_IF_ERROR(GetString(*sub, rp, "memBwSchema", &rdt.mem_bw_schema));
    RETURN_IF_ERROR(GetBool(*sub, rp, "enableCMT", &rdt.enable_cmt));
    RETURN_IF_ERROR(GetBool(*sub, rp, "enableMBM", &rdt.enable_mbm));
    lx->intel_rdt = std::move(rdt);
  }
  return absl::OkStatus();
}

}  // namespace

absl::string_view NamespaceTypeName(NamespaceType type) {
  return kNamespaceNames[static_cast<int>(type)];
}

absl::optional<NamespaceType> NamespaceTypeFromName(absl::string_view name) {
  for (int i = 0; i < static_cast<int>(sizeof(kNamespaceNames) /
                                       sizeof(kNamespaceNames[0]));
       ++i) {
    if (name == kNamespaceNames[i]) return static_cast<NamespaceType>(i);
  }
  return absl::nullopt;
}

const std::vector<NamespaceType>& AllNamespaceTypes() {
  static const auto* all = new std::vector<NamespaceType>{
      NamespaceType::kPid,    NamespaceType::kNetwork, NamespaceType::kMount,
      NamespaceType::kIpc,    NamespaceType::kUts,     NamespaceType::kUser,
      NamespaceType::kCgroup, NamespaceType::kTime};
  return *all;
}

const Namespace* Linux::FindNamespace(NamespaceType type) const {
  for (const Namespace& ns : namespaces) {
    if (ns.type == type) return &ns;
  }
  return nullptr;
}

absl::optional<int> CapabilityFromName(absl::string_view name) {
  for (int i = 0; i < kCapCount; ++i) {
    if (name == security::kCapabilityNames[i]) return i;
  }
  return absl::nullopt;
}

absl::string_view CapabilityName(int cap) {
  if (cap < 0 || cap >= kCapCount) return "";
  return security::kCapabilityNames[cap];
}

int LastCapability() { return kCapCount - 1; }

absl::StatusOr<Spec> ParseSpec(absl::string_view text) {
  Json doc = Json::parse(text.begin(), text.end(), nullptr,
                         /*allow_exceptions=*/false);
  if (doc.is_discarded()) {
    // Parse again with exceptions only to learn where it broke.
    try {
      Json unused = Json::parse(text.begin(), text.end());
      (void)unused;
    } catch (const Json::parse_error& e) {
      return absl::InvalidArgumentError(
          absl::StrCat("config.json is not valid JSON: ", e.what()));
    }
    return absl::InvalidArgumentError("config.json is not valid JSON");
  }
  if (!doc.is_object()) return WrongType("config.json", "object", doc);

  Spec spec;
  RETURN_IF_ERROR(GetString(doc, "", "ociVersion", &spec.oci_version, true));
  if (!absl::StartsWith(spec.oci_version, "1.")) {
    return Invalid("ociVersion",
                   absl::StrCat("unsupported version ", Quote(spec.oci_version),
                                " (this runtime reads ", kOciVersionMin, " to ",
                                kOciVersion, ")"));
  }
  const Json* sub;
  RETURN_IF_ERROR(GetObject(doc, "", "process", &sub));
  if (sub != nullptr) {
    Process proc;
    RETURN_IF_ERROR(ParseProcess(*sub, "process", &proc));
    spec.process = std::move(proc);
  }
  RETURN_IF_ERROR(GetObject(doc, "", "root", &sub));
  if (sub != nullptr) {
    Root root;
    RETURN_IF_ERROR(GetString(*sub, "root", "path", &root.path, true));
    if (root.path.empty()) return Invalid("root.path", "must not be empty");
    RETURN_IF_ERROR(GetBool(*sub, "root", "readonly", &root.readonly));
    spec.root = std::move(root);
  }
  RETURN_IF_ERROR(GetString(doc, "", "hostname", &spec.hostname));
  RETURN_IF_ERROR(GetString(doc, "", "domainname", &spec.domainname));
  RETURN_IF_ERROR(ParseMounts(doc, &spec.mounts, &spec.warnings));
  RETURN_IF_ERROR(ParseHooks(doc, &spec.hooks));
  RETURN_IF_ERROR(GetStringMap(doc, "", "annotations", &spec.annotations));
  for (const auto& [key, value] : spec.annotations) {
    if (key.empty()) return Invalid("annotations", "empty key");
  }
  RETURN_IF_ERROR(GetObject(doc, "", "linux", &sub));
  if (sub != nullptr) {
    Linux lx;
    RETURN_IF_ERROR(ParseLinux(*sub, &lx));
    spec.linux = std::move(lx);
  }
  return spec;
}

absl::StatusOr<NamespaceType> SysctlNamespace(const std::string& key) {
  std::string path = Field("linux.sysctl", key);
  // Only the IPC namespace's own System V and POSIX queue limits; other
  // kernel.* keys (core_pattern, modprobe, ...) belong to the host.
  static constexpr absl::string_view kIpcKeys[] = {
      "kernel.msgmax", "kernel.msgmnb",         "kernel.msgmni",
      "kernel.sem",    "kernel.shmall",         "kernel.shmmax",
      "kernel.shmmni", "kernel.shm_rmid_forced"};
  if (absl::StartsWith(key, "fs.mqueue.")) return NamespaceType::kIpc;
  for (absl::string_view k : kIpcKeys) {
    if (key == k) return NamespaceType::kIpc;
  }
  if (absl::StartsWith(key, "net.")) return NamespaceType::kNetwork;
  if (key == "kernel.domainname") return NamespaceType::kUts;
  if (key == "kernel.hostname") {
    return Invalid(path,
                   "not allowed: it conflicts with the \"hostname\" field, "
                   "which sets it");
  }
  return Invalid(path,
                 "not allowed: it is not in a namespace of the container's "
                 "own, so writing it would change the host");
}

absl::Status ValidateSysctl(const std::string& key, const Linux& lx) {
  ASSIGN_OR_RETURN(NamespaceType type, SysctlNamespace(key));
  if (lx.FindNamespace(type)) return absl::OkStatus();
  static constexpr absl::string_view kHostName[] = {
      "PID", "network", "mount", "IPC", "UTS", "user", "cgroup", "time"};
  absl::string_view name = NamespaceTypeName(type);
  return Invalid(Field("linux.sysctl", key),
                 absl::StrCat("not allowed in the host's ",
                              kHostName[static_cast<int>(type)],
                              " namespace: needs ", name[0] == 'i' ? "an" : "a",
                              " \"", name, "\" namespace in linux.namespaces"));
}

absl::Status ValidateForCreate(const Spec& spec) {
  if (!spec.process) return Invalid("process", "required");
  if (spec.process->args.empty()) {
    return Invalid("process.args", "required, with at least the program");
  }
  if (!spec.root) return Invalid("root", "required");
  static const Linux kEmpty;
  const Linux& lx = spec.linux ? *spec.linux : kEmpty;
  if (!spec.hostname.empty() && !lx.FindNamespace(NamespaceType::kUts)) {
    return Invalid("hostname",
                   absl::StrCat("setting it to ", Quote(spec.hostname),
                                " needs a \"uts\" namespace in "
                                "linux.namespaces"));
  }
  if (!spec.domainname.empty() && !lx.FindNamespace(NamespaceType::kUts)) {
    return Invalid("domainname",
                   absl::StrCat("setting it to ", Quote(spec.domainname),
                                " needs a \"uts\" namespace in "
                                "linux.namespaces"));
  }
  const Namespace* user = lx.FindNamespace(NamespaceType::kUser);
  if (!user && (!lx.uid_mappings.empty() || !lx.gid_mappings.empty())) {
    return Invalid(
        lx.uid_mappings.empty() ? "linux.gidMappings" : "linux.uidMappings",
        "needs a \"user\" namespace in linux.namespaces");
  }
  if (user && user->path.empty()) {
    if (lx.uid_mappings.empty()) {
      return Invalid("linux.uidMappings",
                     "required when a new user namespace is created");
    }
    if (lx.gid_mappings.empty()) {
      return Invalid("linux.gidMappings",
                     "required when a new user namespace is created");
    }
  }
  if (!lx.time_offsets_secs.empty() &&
      !lx.FindNamespace(NamespaceType::kTime)) {
    return Invalid("linux.timeOffsets",
                   "needs a \"time\" namespace in linux.namespaces");
  }
  for (const auto& [key, value] : lx.sysctl) {
    RETURN_IF_ERROR(ValidateSysctl(key, lx));
  }
  return absl::OkStatus();
}

}  // namespace crate::oci
