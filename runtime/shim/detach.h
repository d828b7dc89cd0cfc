// How the shim leaves the process that started it: containers outlive
// crated, which may exit or be killed at any time, so the shim must be
// nobody's child and in no session or process group of crated's (a signal
// to crated's group, or its terminal hanging up, must not reach it).
#ifndef CRATE_RUNTIME_SHIM_DETACH_H_
#define CRATE_RUNTIME_SHIM_DETACH_H_

#include "absl/status/status.h"

namespace crate::shim {

// Forks twice: the calling process waits for the middle one and exits
// (0, or 1 when a fork failed) without returning; the middle one starts a
// new session and exits once it has forked; the grandchild returns, in
// that session but not its leader, so that no terminal it opens becomes
// its controlling terminal. Its parent is then the nearest subreaper or
// pid 1.
void Detach();

// What the shim's own process is set up with after Detach: the child
// subreaper (orphans of the container are its to reap), SIGPIPE, SIGTERM,
// SIGINT and SIGHUP ignored (it outlives crated and stops only when its
// container does; stop and kill go through requests), stdio on /dev/null
// (nobody reads them) and "/" as its directory (it holds no mount busy).
absl::Status BecomeShimProcess();

}  // namespace crate::shim

#endif  // CRATE_RUNTIME_SHIM_DETACH_H_
