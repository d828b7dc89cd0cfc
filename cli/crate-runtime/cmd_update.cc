#include <ctype.h>

#include <tuple>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "cli/crate-runtime/commands.h"
#include "runtime/base/file_util.h"

namespace crate::cli {
namespace {

// "512", "64k", "100M", "1g" (powers of 1024, as runc reads them); "-1".
absl::Status ParseBytes(const char* flag, const std::string& text,
                        absl::optional<int64_t>* out) {
  if (text.empty()) return absl::OkStatus();
  std::string digits = text;
  int64_t unit = 1;
  char last = absl::ascii_tolower(digits.back());
  if (digits.size() > 1 && (last == 'b')) {
    digits.pop_back();
    last = absl::ascii_tolower(digits.back());
  }
  if (last == 'k' || last == 'm' || last == 'g' || last == 't') {
    unit = last == 'k'   ? 1 << 10
           : last == 'm' ? 1 << 20
           : last == 'g' ? int64_t{1} << 30
                         : int64_t{1} << 40;
    digits.pop_back();
  }
  int64_t v;
  if (!absl::SimpleAtoi(digits, &v)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", flag, ": not a size: \"", text, "\""));
  }
  *out = v == -1 ? -1 : v * unit;
  return absl::OkStatus();
}

absl::Status ParseInt(const char* flag, const std::string& text,
                      absl::optional<int64_t>* out) {
  if (text.empty()) return absl::OkStatus();
  int64_t v;
  if (!absl::SimpleAtoi(text, &v)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", flag, ": not a number: \"", text, "\""));
  }
  *out = v;
  return absl::OkStatus();
}

}  // namespace

int CmdUpdate(const GlobalOptions& g, const Args& args) {
  std::string resources_path, memory, swap, reservation, shares, period, quota,
      cpus, mems, pids, weight, rt_period, rt_runtime, l3_cache_schema,
      mem_bw_schema, unused;
  Flags flags;
  flags.String("resources,r", &resources_path,
               "linux.resources as JSON (\"-\": stdin)");
  flags.String("memory", &memory, "memory limit (bytes, k/m/g)");
  flags.String("memory-swap", &swap, "memory plus swap limit");
  flags.String("memory-reservation", &reservation, "memory soft limit");
  flags.String("kernel-memory", &unused, "(accepted, ignored by kernels)");
  flags.String("kernel-memory-tcp", &unused, "(accepted, ignored)");
  flags.String("cpu-share,cpu-shares", &shares, "CPU shares");
  flags.String("cpu-period", &period, "CFS period (us)");
  flags.String("cpu-quota", &quota, "CFS quota (us)");
  flags.String("cpu-rt-period", &rt_period, "realtime period (us)");
  flags.String("cpu-rt-runtime", &rt_runtime, "realtime runtime (us)");
  flags.String("cpuset-cpus", &cpus, "CPUs to use");
  flags.String("cpuset-mems", &mems, "memory nodes to use");
  flags.String("pids-limit", &pids, "maximum number of tasks");
  flags.String("blkio-weight", &weight, "block IO weight (10-1000)");
  flags.String("l3-cache-schema", &l3_cache_schema,
               "Intel RDT L3 cache schema (L3:0=f0;1=ff)");
  flags.String("mem-bw-schema", &mem_bw_schema,
               "Intel RDT memory bandwidth schema (MB:0=50;1=70)");
  Args pos;
  absl::Status s = ParseCommand("update", flags, args, 1, "container ID", &pos);
  if (!s.ok()) return Fail(s);

  // Everything goes through the spec parser, so --memory=-5 is refused with
  // the same words as in config.json.
  std::string json;
  if (!resources_path.empty()) {
    absl::StatusOr<std::string> text =
        ReadFile(resources_path == "-" ? "/dev/stdin" : resources_path);
    if (!text.ok()) return Fail(text.status());
    json = *text;
  } else {
    absl::optional<int64_t> v;
    std::string mem, cpu;
    auto add = [](std::string* obj, const char* key, const std::string& val) {
      if (!obj->empty()) *obj += ",";
      absl::StrAppend(obj, "\"", key, "\":", val);
    };
    s = ParseBytes("memory", memory, &v);
    if (s.ok() && v) add(&mem, "limit", absl::StrCat(*v)), v.reset();
    if (s.ok()) s = ParseBytes("memory-swap", swap, &v);
    if (s.ok() && v) add(&mem, "swap", absl::StrCat(*v)), v.reset();
    if (s.ok()) s = ParseBytes("memory-reservation", reservation, &v);
    if (s.ok() && v) add(&mem, "reservation", absl::StrCat(*v)), v.reset();
    for (auto [flag, text, key] :
         {std::make_tuple("cpu-share", &shares, "shares"),
          std::make_tuple("cpu-period", &period, "period"),
          std::make_tuple("cpu-quota", &quota, "quota"),
          std::make_tuple("cpu-rt-period", &rt_period, "realtimePeriod"),
          std::make_tuple("cpu-rt-runtime", &rt_runtime, "realtimeRuntime")}) {
      if (s.ok()) s = ParseInt(flag, *text, &v);
      if (s.ok() && v) add(&cpu, key, absl::StrCat(*v)), v.reset();
    }
    if (!cpus.empty()) add(&cpu, "cpus", absl::StrCat("\"", cpus, "\""));
    if (!mems.empty()) add(&cpu, "mems", absl::StrCat("\"", mems, "\""));
    std::string body;
    if (!mem.empty()) add(&body, "memory", "{" + mem + "}");
    if (!cpu.empty()) add(&body, "cpu", "{" + cpu + "}");
    if (s.ok()) s = ParseInt("pids-limit", pids, &v);
    if (s.ok() && v)
      add(&body, "pids", absl::StrCat("{\"limit\":", *v, "}")), v.reset();
    if (s.ok()) s = ParseInt("blkio-weight", weight, &v);
    if (s.ok() && v)
      add(&body, "blockIO", absl::StrCat("{\"weight\":", *v, "}"));
    if (!s.ok()) return Fail(s);
    json = "{" + body + "}";
  }
  absl::StatusOr<oci::Spec> spec = oci::ParseSpec(absl::StrCat(
      R"({"ociVersion":"1.0.0","linux":{"resources":)", json, "}}"));
  if (!spec.ok()) return Fail(spec.status());
  // As runc: the cgroup first, then the resctrl group; only RDT flags
  // leave the cgroup alone (a container may have no cgroup).
  absl::StatusOr<linux::Container> c = linux::Container::Load(g.root, pos[0]);
  if (!c.ok()) return Fail(c.status());
  const bool rdt = !l3_cache_schema.empty() || !mem_bw_schema.empty();
  if (!rdt || !resources_path.empty() || json != "{}") {
    s = c->Update(*spec->linux->resources);
    if (!s.ok()) return Fail(s);
  }
  if (rdt) {
    s = c->UpdateIntelRdt(l3_cache_schema, mem_bw_schema);
    if (!s.ok()) return Fail(s);
  }
  return 0;
}

}  // namespace crate::cli
