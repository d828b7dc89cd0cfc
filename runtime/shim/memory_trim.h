// A shim lives as long as its container and sleeps nearly all that time,
// yet creating the container runs much of the runtime library once: its
// code stays mapped in the shim's page tables (about 1.5 MiB here), and so
// do the stack and heap that create used. TrimMemory gives that back so
// that an idle shim costs little more than its loop.
#ifndef CRATE_RUNTIME_SHIM_MEMORY_TRIM_H_
#define CRATE_RUNTIME_SHIM_MEMORY_TRIM_H_

#include <sys/epoll.h>

namespace crate::shim {

// Unmaps from this process the pages of read-only file mappings that are
// the file's own (code and constants: a later use faults them in again
// from the page cache, unchanged; a relocated read-only page is a private
// copy and is kept, as /proc/self/pagemap tells), the stack below the
// caller's frame, and the heap malloc has free. Costs reads of
// /proc/self/maps and pagemap: for quiet moments.
//
// The kernel maps up to 64 KiB around each page a fault brings back
// (fault-around), so what runs after this comes back in such blocks: the
// shim trims with TrimMemoryAndWait, just before it sleeps.
void TrimMemory();

// TrimMemory, then epoll_wait(2) with these arguments and its result: the
// last code the process runs before it sleeps is this function's, so only
// the block of it that holds the wait faults back in, and nothing else
// until the process wakes.
int TrimMemoryAndWait(int epoll_fd, struct epoll_event* events, int max_events,
                      int timeout_ms);

}  // namespace crate::shim

#endif  // CRATE_RUNTIME_SHIM_MEMORY_TRIM_H_
