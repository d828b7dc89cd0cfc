#include "runtime/linux/security_config.h"

#include "absl/strings/str_cat.h"
#include "runtime/base/errno_status.h"
#include "runtime/base/status_macros.h"

namespace crate::linux {
namespace {

security::CapMask Mask(const std::vector<int>& caps) {
  security::CapMask mask = 0;
  for (int c : caps) mask |= security::CapBit(c);
  return mask;
}

}  // namespace

security::Capabilities ToCapabilities(const oci::Capabilities& caps) {
  security::Capabilities out;
  out.bounding = Mask(caps.bounding);
  out.effective = Mask(caps.effective);
  out.inheritable = Mask(caps.inheritable);
  out.permitted = Mask(caps.permitted);
  out.ambient = Mask(caps.ambient) & out.permitted & out.inheritable;
  return out;
}

std::vector<security::Rlimit> ToRlimits(const std::vector<oci::Rlimit>& in) {
  std::vector<security::Rlimit> out;
  out.reserve(in.size());
  for (const oci::Rlimit& r : in) out.push_back({r.resource, r.soft, r.hard});
  return out;
}

absl::StatusOr<security::SeccompConfig> ToSeccompConfig(const oci::Seccomp& s) {
  const std::string p = "linux.seccomp";
  security::SeccompConfig out;
  absl::StatusOr<security::SeccompAction> action =
      security::SeccompActionFromName(s.default_action);
  if (!action.ok()) return Annotate(action.status(), p + ".defaultAction");
  out.default_action = *action;
  out.default_errno_ret = s.default_errno_ret;
  out.architectures = s.architectures;
  out.flags = s.flags;
  for (size_t i = 0; i < s.syscalls.size(); ++i) {
    const oci::SeccompSyscall& call = s.syscalls[i];
    std::string cp = absl::StrCat(p, ".syscalls[", i, "]");
    security::SeccompSyscall sc;
    sc.names = call.names;
    absl::StatusOr<security::SeccompAction> a =
        security::SeccompActionFromName(call.action);
    if (!a.ok()) return Annotate(a.status(), cp + ".action");
    sc.action = *a;
    sc.errno_ret = call.errno_ret;
    for (size_t j = 0; j < call.args.size(); ++j) {
      const oci::SeccompArg& arg = call.args[j];
      absl::StatusOr<security::SeccompOp> op =
          security::SeccompOpFromName(arg.op);
      if (!op.ok()) {
        return Annotate(op.status(), absl::StrCat(cp, ".args[", j, "].op"));
      }
      sc.args.push_back({arg.index, arg.value, arg.value_two, *op});
    }
    out.syscalls.push_back(std::move(sc));
  }
  return out;
}

}  // namespace crate::linux
