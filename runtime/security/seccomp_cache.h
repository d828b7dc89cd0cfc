// Compiled seccomp filters kept on disk. libseccomp takes ~16 ms to
// compile docker's default profile here, a third of a container's create,
// and the same profile comes back container after container (and at every
// exec): the runtime keeps each program it compiled in a directory of its
// state, keyed by everything that decides the output, and loads it next
// time without libseccomp.
#ifndef CRATE_RUNTIME_SECURITY_SECCOMP_CACHE_H_
#define CRATE_RUNTIME_SECURITY_SECCOMP_CACHE_H_

#include <string>

#include "absl/status/statusor.h"
#include "runtime/security/seccomp.h"

namespace crate {
namespace security {

// What decides a compiled program: the config, field by field and
// length-prefixed (no two configs share a key), libseccomp's version and
// API level, and this machine's architecture.
std::string SeccompCacheKey(const SeccompConfig& config);

// The program for `config`: read from `dir` when compiled before (the file
// holds the whole key, which must match byte for byte, so a name clash
// never hands one config another's filter), else compiled and written
// there atomically for next time. Anything wrong with the cache (missing,
// unreadable, corrupt, a directory that cannot be written) only costs the
// compile; errors are the compile's own. `dir` empty: no cache.
absl::StatusOr<SeccompProgram> CompileSeccompCached(const SeccompConfig& config,
                                                    const std::string& dir);

}  // namespace security
}  // namespace crate

#endif  // CRATE_RUNTIME_SECURITY_SECCOMP_CACHE_H_
