// From the spec's process and linux.seccomp to what runtime/security takes.
#ifndef CRATE_RUNTIME_LINUX_SECURITY_CONFIG_H_
#define CRATE_RUNTIME_LINUX_SECURITY_CONFIG_H_

#include <vector>

#include "absl/status/statusor.h"
#include "runtime/oci/spec.h"
#include "runtime/security/capabilities.h"
#include "runtime/security/rlimits.h"
#include "runtime/security/seccomp.h"

namespace crate::linux {

// The five sets as masks. Ambient capabilities outside permitted and
// inheritable are left out: runc ignores them too, and `runc spec` itself
// asks for some.
security::Capabilities ToCapabilities(const oci::Capabilities& caps);

std::vector<security::Rlimit> ToRlimits(const std::vector<oci::Rlimit>& in);

// Errors name the field ("linux.seccomp.syscalls[3].action: ...").
absl::StatusOr<security::SeccompConfig> ToSeccompConfig(
    const oci::Seccomp& seccomp);

}  // namespace crate::linux

#endif  // CRATE_RUNTIME_LINUX_SECURITY_CONFIG_H_
