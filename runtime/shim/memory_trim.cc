#include "runtime/shim/memory_trim.h"

#include <fcntl.h>
#include <malloc.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "runtime/base/file_util.h"
#include "runtime/base/unique_fd.h"

namespace crate::shim {
namespace {

// /proc/self/pagemap: one 64-bit entry per page.
constexpr uint64_t kPresent = uint64_t{1} << 63;
// The page is the file's own (or shared), not a private copy.
constexpr uint64_t kFilePage = uint64_t{1} << 61;

struct Mapping {
  uintptr_t start = 0, end = 0;
  std::string perms;
  bool file = false;  // backed by a file (inode not 0)
  bool stack = false;
};

// "start-end perms offset dev inode [path]".
bool ParseLine(absl::string_view line, Mapping* m) {
  std::vector<absl::string_view> f =
      absl::StrSplit(line, ' ', absl::SkipEmpty());
  if (f.size() < 5) return false;
  std::vector<absl::string_view> range = absl::StrSplit(f[0], '-');
  uint64_t inode = 0;
  if (range.size() != 2 || !absl::SimpleHexAtoi(range[0], &m->start) ||
      !absl::SimpleHexAtoi(range[1], &m->end) ||
      !absl::SimpleAtoi(f[4], &inode)) {
    return false;
  }
  m->perms = std::string(f[1]);
  m->file = inode != 0;
  m->stack = f.size() > 5 && f[5] == "[stack]";
  return true;
}

std::vector<Mapping> ReadMappings() {
  std::vector<Mapping> out;
  absl::StatusOr<std::string> maps = ReadFile("/proc/self/maps", 1 << 20);
  if (!maps.ok()) return out;
  for (absl::string_view line : absl::StrSplit(*maps, '\n')) {
    Mapping m;
    if (ParseLine(line, &m)) out.push_back(std::move(m));
  }
  return out;
}

// What TrimMemory drops, gathered before it drops anything: the last step
// runs no code but its own loop, so that as few pages as possible fault
// back in before the process sleeps.
class Ranges {
 public:
  void Add(uintptr_t start, uintptr_t end) {
    if (end <= start) return;
    if (n_ > 0 && ranges_[n_ - 1].end == start) {
      ranges_[n_ - 1].end = end;
    } else if (n_ < kMax) {
      ranges_[n_++] = {start, end};
    }
  }
  // Inlined where it is called: see TrimMemoryAndWait.
  __attribute__((always_inline)) void Drop() const {
    for (size_t i = 0; i < n_; ++i) {
      madvise(reinterpret_cast<void*>(ranges_[i].start),
              ranges_[i].end - ranges_[i].start, MADV_DONTNEED);
    }
  }

 private:
  static constexpr size_t kMax = 128;
  struct Range {
    uintptr_t start, end;
  };
  Range ranges_[kMax];
  size_t n_ = 0;
};

// The pages of `m` that are the file's own: a relocated page (RELRO) is a
// private copy, which the file cannot give back, and stays.
void AddFilePages(int pagemap, const Mapping& m, uintptr_t page, Ranges* out) {
  std::vector<uint64_t> entries((m.end - m.start) / page);
  ssize_t want = static_cast<ssize_t>(entries.size() * sizeof(uint64_t));
  if (pread(pagemap, entries.data(), static_cast<size_t>(want),
            static_cast<off_t>(m.start / page * sizeof(uint64_t))) != want) {
    return;
  }
  for (size_t i = 0; i < entries.size(); ++i) {
    if ((entries[i] & kPresent) && (entries[i] & kFilePage)) {
      out->Add(m.start + i * page, m.start + (i + 1) * page);
    }
  }
}

// Fills `out`; every allocation it makes is freed when it returns.
// Not inlined: its frames must be below the kept stack, and its code is
// not needed again before the process sleeps.
__attribute__((noinline)) void Gather(uintptr_t stack_keep, uintptr_t page,
                                      Ranges* out) {
  UniqueFd pagemap(open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC));
  for (const Mapping& m : ReadMappings()) {
    if (m.stack && stack_keep > m.start && stack_keep <= m.end) {
      out->Add(m.start, stack_keep);
    } else if (pagemap && m.file && m.perms.size() == 4 && m.perms[0] == 'r' &&
               m.perms[1] == '-' && m.perms[3] == 'p') {
      AddFilePages(pagemap.get(), m, page, out);
    }
  }
}

}  // namespace

// The stack below the page under `frame`'s, once Gather has returned: the
// frames of the calls that follow (madvise's, epoll_wait's) stay within
// the page kept below it.
uintptr_t StackToKeep(const void* frame, uintptr_t page) {
  return (reinterpret_cast<uintptr_t>(frame) & ~(page - 1)) - page;
}

void TrimMemory() {
  const uintptr_t page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
  Ranges ranges;
  Gather(StackToKeep(&ranges, page), page, &ranges);
  malloc_trim(0);
  ranges.Drop();
}

int TrimMemoryAndWait(int epoll_fd, struct epoll_event* events, int max_events,
                      int timeout_ms) {
  const uintptr_t page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
  Ranges ranges;
  Gather(StackToKeep(&ranges, page), page, &ranges);
  malloc_trim(0);
  ranges.Drop();
  return epoll_wait(epoll_fd, events, max_events, timeout_ms);
}

}  // namespace crate::shim
