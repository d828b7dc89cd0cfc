// Docker's defaults, as data for the CLI to put in a generated config.json:
// the capability set and the seccomp allow-list profile.
#ifndef CRATE_RUNTIME_SECURITY_DEFAULTS_H_
#define CRATE_RUNTIME_SECURITY_DEFAULTS_H_

#include <string>
#include <vector>

#include "runtime/security/seccomp.h"

namespace crate {
namespace security {

// CHOWN, DAC_OVERRIDE, FSETID, FOWNER, MKNOD, NET_RAW, SETGID, SETUID,
// SETFCAP, SETPCAP, NET_BIND_SERVICE, SYS_CHROOT, KILL, AUDIT_WRITE, as
// "CAP_*" names.
std::vector<std::string> DefaultCapabilities();

// Docker's default profile: everything not listed fails with EPERM; the
// syscalls that a capability guards are allowed only when `capabilities`
// (the container's, as "CAP_*" names) has it, as Docker decides when it
// writes the spec. Architectures are the host's family (x86_64 with x86 and
// x32; aarch64 with arm), so 32-bit programs run; without
// `compat_arches` only native syscalls pass (others kill the thread), and
// the filter compiles in ~2 ms instead of ~15-25 ms here.
SeccompConfig DefaultSeccompProfile(
    const std::vector<std::string>& capabilities, bool compat_arches = true);

}  // namespace security
}  // namespace crate

#endif  // CRATE_RUNTIME_SECURITY_DEFAULTS_H_
