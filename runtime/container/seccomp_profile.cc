#include "runtime/container/seccomp_profile.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "runtime/base/status_macros.h"
#include "runtime/security/defaults.h"
#include "runtime/security/seccomp.h"

namespace crate::container {
namespace {

using Json = nlohmann::json;

constexpr char kPrefix[] = "--security-opt seccomp: ";

// This machine in the profile's two vocabularies: libseccomp's
// architecture (archMap) and Go's (includes/excludes.arches).
#if defined(__x86_64__)
constexpr char kNativeArch[] = "SCMP_ARCH_X86_64";
constexpr char kGoArch[] = "amd64";
#elif defined(__aarch64__)
constexpr char kNativeArch[] = "SCMP_ARCH_AARCH64";
constexpr char kGoArch[] = "arm64";
#elif defined(__i386__)
constexpr char kNativeArch[] = "SCMP_ARCH_X86";
constexpr char kGoArch[] = "386";
#elif defined(__arm__)
constexpr char kNativeArch[] = "SCMP_ARCH_ARM";
constexpr char kGoArch[] = "arm";
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
constexpr char kNativeArch[] = "SCMP_ARCH_PPC64LE";
constexpr char kGoArch[] = "ppc64le";
#elif defined(__s390x__)
constexpr char kNativeArch[] = "SCMP_ARCH_S390X";
constexpr char kGoArch[] = "s390x";
#elif defined(__riscv) && __riscv_xlen == 64
constexpr char kNativeArch[] = "SCMP_ARCH_RISCV64";
constexpr char kGoArch[] = "riscv64";
#else
constexpr char kNativeArch[] = "";
constexpr char kGoArch[] = "";
#endif

// The spec's spellings; which enum each means is runtime/security's word.
constexpr const char* kActionNames[] = {
    "SCMP_ACT_KILL",  "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD",
    "SCMP_ACT_TRAP",  "SCMP_ACT_ERRNO",        "SCMP_ACT_TRACE",
    "SCMP_ACT_ALLOW", "SCMP_ACT_LOG",          "SCMP_ACT_NOTIFY"};
constexpr const char* kOpNames[] = {
    "SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE",       "SCMP_CMP_EQ",
    "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ"};

std::string ActionName(security::SeccompAction action) {
  for (const char* name : kActionNames) {
    absl::StatusOr<security::SeccompAction> a =
        security::SeccompActionFromName(name);
    if (a.ok() && *a == action) return name;
  }
  return "";
}

std::string OpName(security::SeccompOp op) {
  for (const char* name : kOpNames) {
    absl::StatusOr<security::SeccompOp> o = security::SeccompOpFromName(name);
    if (o.ok() && *o == op) return name;
  }
  return "";
}

absl::Status Bad(absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(kPrefix, what));
}

// "6.1.0-18-amd64", "4.8" -> {6, 1}, {4, 8}.
bool KernelVersion(absl::string_view s, int* major, int* minor) {
  std::vector<absl::string_view> parts = absl::StrSplit(s, '.');
  if (parts.size() < 2) return false;
  absl::string_view m = parts[1];
  size_t digits = 0;
  while (digits < m.size() && absl::ascii_isdigit(m[digits])) ++digits;
  return absl::SimpleAtoi(parts[0], major) &&
         absl::SimpleAtoi(m.substr(0, digits), minor);
}

struct Context {
  std::vector<std::string> capabilities;  // "CAP_*"
  absl::string_view kernel_release;
};

// A rule's "includes" or "excludes".
struct Condition {
  std::vector<std::string> caps;
  std::vector<std::string> arches;
  std::string min_kernel;
};

absl::StatusOr<Condition> ReadCondition(const Json& j,
                                        const std::string& path) {
  Condition c;
  if (j.is_null()) return c;
  if (!j.is_object()) return Bad(absl::StrCat(path, ": not an object"));
  for (auto [key, out] :
       {std::make_pair("caps", &c.caps), std::make_pair("arches", &c.arches)}) {
    const Json v = j.value(key, Json());
    if (v.is_null()) continue;
    if (!v.is_array() || !std::all_of(v.begin(), v.end(), [](const Json& e) {
          return e.is_string();
        })) {
      return Bad(absl::StrCat(path, ".", key, ": not an array of strings"));
    }
    *out = v.get<std::vector<std::string>>();
  }
  const Json mk = j.value("minKernel", Json());
  if (!mk.is_null()) {
    int major, minor;
    if (!mk.is_string() ||
        !KernelVersion(mk.get<std::string>(), &major, &minor)) {
      return Bad(absl::StrCat(path, ".minKernel: not a version like \"4.8\""));
    }
    c.min_kernel = mk.get<std::string>();
  }
  return c;
}

bool Has(const std::vector<std::string>& list, absl::string_view value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

absl::StatusOr<bool> KernelAtLeast(const Context& ctx,
                                   const std::string& min_kernel,
                                   const std::string& path) {
  if (ctx.kernel_release.empty()) {
    return Bad(absl::StrCat(path,
                            ".minKernel: needs the kernel's version, which "
                            "was not given"));
  }
  int major, minor, want_major, want_minor;
  if (!KernelVersion(ctx.kernel_release, &major, &minor)) {
    return Bad(absl::StrCat("the kernel release \"", ctx.kernel_release,
                            "\" has no version"));
  }
  KernelVersion(min_kernel, &want_major, &want_minor);
  return major > want_major || (major == want_major && minor >= want_minor);
}

// Whether dockerd would keep the rule for this container: excluded when
// any one excluding condition holds; included when all including ones do.
absl::StatusOr<bool> Applies(const Json& call, const std::string& path,
                             const Context& ctx) {
  ASSIGN_OR_RETURN(Condition ex, ReadCondition(call.value("excludes", Json()),
                                               path + ".excludes"));
  if (Has(ex.arches, kGoArch)) return false;
  for (const std::string& cap : ex.caps) {
    if (Has(ctx.capabilities, cap)) return false;
  }
  if (!ex.min_kernel.empty()) {
    ASSIGN_OR_RETURN(bool at_least,
                     KernelAtLeast(ctx, ex.min_kernel, path + ".excludes"));
    if (at_least) return false;
  }
  ASSIGN_OR_RETURN(Condition in, ReadCondition(call.value("includes", Json()),
                                               path + ".includes"));
  if (!in.arches.empty() && !Has(in.arches, kGoArch)) return false;
  for (const std::string& cap : in.caps) {
    if (!Has(ctx.capabilities, cap)) return false;
  }
  if (!in.min_kernel.empty()) {
    return KernelAtLeast(ctx, in.min_kernel, path + ".includes");
  }
  return true;
}

// The rule as the spec has it: docker's extras dropped, "name" made
// "names".
absl::StatusOr<Json> SpecRule(const Json& call, const std::string& path) {
  if (!call.is_object()) return Bad(absl::StrCat(path, ": not an object"));
  Json rule = Json::object();
  for (const char* key : {"names", "action", "errnoRet", "args"}) {
    if (call.contains(key)) rule[key] = call[key];
  }
  if (call.contains("name") && !call["name"].is_null()) {
    if (call.contains("names") && !call["names"].is_null()) {
      return Bad(absl::StrCat(path, ": both \"name\" and \"names\""));
    }
    rule["names"] = Json::array({call["name"]});
  }
  return rule;
}

absl::StatusOr<oci::Seccomp> Validate(const Json& seccomp) {
  Json doc = {{"ociVersion", oci::kOciVersion},
              {"linux", {{"seccomp", seccomp}}}};
  absl::StatusOr<oci::Spec> spec = oci::ParseSpec(doc.dump());
  if (!spec.ok()) {
    absl::string_view msg = spec.status().message();
    absl::ConsumePrefix(&msg, "linux.seccomp.");
    absl::ConsumePrefix(&msg, "linux.seccomp");
    return Bad(msg);
  }
  return *std::move(spec->linux->seccomp);
}

}  // namespace

oci::Seccomp DefaultSeccomp(const std::vector<int>& capabilities) {
  std::vector<std::string> names;
  for (int c : capabilities) names.emplace_back(oci::CapabilityName(c));
  security::SeccompConfig config = security::DefaultSeccompProfile(names);
  oci::Seccomp out;
  out.default_action = ActionName(config.default_action);
  out.default_errno_ret = config.default_errno_ret;
  out.architectures = config.architectures;
  out.flags = config.flags;
  for (const security::SeccompSyscall& s : config.syscalls) {
    oci::SeccompSyscall call;
    call.names = s.names;
    call.action = ActionName(s.action);
    call.errno_ret = s.errno_ret;
    for (const security::SeccompArg& a : s.args) {
      call.args.push_back({a.index, a.value, a.value_two, OpName(a.op)});
    }
    out.syscalls.push_back(std::move(call));
  }
  return out;
}

absl::StatusOr<oci::Seccomp> ParseSeccompProfile(
    absl::string_view json, const std::vector<int>& capabilities,
    absl::string_view kernel_release) {
  Json profile = Json::parse(json.begin(), json.end(), nullptr,
                             /*allow_exceptions=*/false);
  if (profile.is_discarded()) return Bad("the profile is not valid JSON");
  if (!profile.is_object()) return Bad("the profile is not a JSON object");
  Context ctx;
  for (int c : capabilities)
    ctx.capabilities.emplace_back(oci::CapabilityName(c));
  ctx.kernel_release = kernel_release;

  Json seccomp = Json::object();
  for (const char* key : {"defaultAction", "defaultErrnoRet", "architectures",
                          "flags", "listenerPath", "listenerMetadata"}) {
    if (profile.contains(key)) seccomp[key] = profile[key];
  }
  const Json arch_map = profile.value("archMap", Json());
  if (!arch_map.is_null()) {
    if (!arch_map.is_array()) return Bad("archMap: not an array");
    if (!profile.value("architectures", Json::array()).empty()) {
      return Bad("both \"architectures\" and \"archMap\"; use one");
    }
    Json archs = Json::array();
    for (size_t i = 0; i < arch_map.size(); ++i) {
      const Json& e = arch_map[i];
      if (!e.is_object() || e.value("architecture", Json()) != kNativeArch) {
        continue;
      }
      archs.push_back(kNativeArch);
      for (const Json& sub : e.value("subArchitectures", Json::array())) {
        archs.push_back(sub);
      }
    }
    seccomp["architectures"] = archs;
  }

  Json calls = profile.value("syscalls", Json());
  if (calls.is_null()) calls = Json::array();
  if (!calls.is_array()) return Bad("syscalls: not an array");
  Json all = Json::array();
  Json kept = Json::array();
  for (size_t i = 0; i < calls.size(); ++i) {
    std::string path = absl::StrCat("syscalls[", i, "]");
    ASSIGN_OR_RETURN(Json rule, SpecRule(calls[i], path));
    all.push_back(rule);
    ASSIGN_OR_RETURN(bool applies, Applies(calls[i], path, ctx));
    if (applies) kept.push_back(std::move(rule));
  }
  // Every rule is checked where it stands in the file, so that an error's
  // index is the profile's own, whether or not the rule applies here.
  seccomp["syscalls"] = all;
  RETURN_IF_ERROR(Validate(seccomp).status());
  seccomp["syscalls"] = kept;
  return Validate(seccomp);
}

}  // namespace crate::container
