#include "runtime/shim/memory_trim.h"

#include <sys/wait.h>
#include <unistd.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "gtest/gtest.h"
#include "runtime/base/file_util.h"

namespace crate::shim {
namespace {

// kB of a /proc/self/smaps_rollup field.
uint64_t Rollup(absl::string_view field) {
  absl::StatusOr<std::string> text = ReadFile("/proc/self/smaps_rollup");
  if (!text.ok()) return 0;
  for (absl::string_view line : absl::StrSplit(*text, '\n')) {
    if (!absl::ConsumePrefix(&line, field)) continue;
    absl::ConsumePrefix(&line, ":");
    absl::ConsumeSuffix(&line, " kB");
    uint64_t kb = 0;
    absl::SimpleAtoi(absl::StripAsciiWhitespace(line), &kb);
    return kb;
  }
  return 0;
}

struct Base {
  virtual ~Base() = default;
  virtual int Value() const = 0;
};
struct Derived : Base {
  int Value() const override { return 42; }
};

int g_data = 7;
const char kText[] = "a constant";

// Deep frames that touch a lot of stack, then return.
int Deep(int n) {
  volatile char pad[4096];
  pad[0] = static_cast<char>(n);
  return n == 0 ? pad[0] : Deep(n - 1) + pad[0];
}

TEST(MemoryTrimTest, GivesPagesBackAndEverythingStillWorks) {
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // Heap and stack that are then free.
    std::vector<std::unique_ptr<char[]>> blocks;
    for (int i = 0; i < 2000; ++i) {
      blocks.emplace_back(new char[4000]);
      blocks.back()[0] = 1;
    }
    blocks.clear();
    Deep(64);
    uint64_t file_before = Rollup("Pss_File") + Rollup("Rss");
    uint64_t anon_before = Rollup("Anonymous");
    TrimMemory();
    uint64_t anon_after = Rollup("Anonymous");
    // The freed heap (8 MB) and the dead stack (256 KiB) are gone; under
    // a sanitizer the heap is its allocator's, which keeps freed memory.
#ifndef __SANITIZE_ADDRESS__
    if (anon_after + 4096 > anon_before) _exit(10);
#else
    (void)anon_before;
    (void)anon_after;
#endif
    // Code, constants, relocated vtables and data are as they were.
    std::unique_ptr<Base> b = std::make_unique<Derived>();
    std::function<int()> f = [&] { return b->Value() + g_data; };
    if (f() != 49 || std::string(kText) != "a constant") _exit(11);
    if (Deep(8) == 12345) _exit(12);
    TrimMemory();  // again, with everything faulted back
    if (f() != 49) _exit(13);
    uint64_t file_after = Rollup("Pss_File") + Rollup("Rss");
    if (file_after > file_before) _exit(14);
    _exit(0);
  }
  int wstatus = 0;
  ASSERT_EQ(waitpid(child, &wstatus, 0), child);
  ASSERT_TRUE(WIFEXITED(wstatus)) << "signal " << WTERMSIG(wstatus);
  // 10: nothing given back; 11-13: something broken afterwards; 14: more
  // code resident after a trim than before.
  EXPECT_EQ(WEXITSTATUS(wstatus), 0);
}

}  // namespace
}  // namespace crate::shim
