#include "runtime/shim/process_table.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace crate::shim {
namespace {

TEST(ProcessTableTest, InitAndExecsByIdAndPid) {
  ProcessTable t;
  ShimProcess* init = t.Add("", 100);
  ASSERT_NE(init, nullptr);
  EXPECT_TRUE(init->is_init());
  ShimProcess* e = t.Add("e1", 200);
  ASSERT_NE(e, nullptr);
  EXPECT_FALSE(e->is_init());
  EXPECT_EQ(t.Add("e1", 300), nullptr);  // taken
  EXPECT_EQ(&t.init(), init);
  EXPECT_EQ(t.Find("e1"), e);
  EXPECT_EQ(t.Find("e2"), nullptr);
  EXPECT_EQ(t.FindRunning(200), e);
  EXPECT_EQ(t.FindRunning(100), init);
  EXPECT_TRUE(t.AnyExecRunning());
  t.Exited(*e);
  EXPECT_TRUE(e->exited);
  EXPECT_EQ(t.FindRunning(200), nullptr);
  EXPECT_FALSE(t.AnyExecRunning());
  // A new process with the exited one's pid is found, the old is not.
  ShimProcess* e2 = t.Add("e2", 200);
  EXPECT_EQ(t.FindRunning(200), e2);
}

TEST(ProcessTableTest, HeldOutputIsBounded) {
  ProcessTable t;
  ShimProcess* e = t.Add("e", 1);
  std::string frame(1000, 'f');
  size_t held = 0;
  while (ProcessTable::Hold(*e, Stream::kStdout, frame)) ++held;
  EXPECT_EQ(held, ProcessTable::kMaxHeldOutput / 1000);
  EXPECT_EQ(e->held.size(), held);
  EXPECT_LE(e->held_bytes, ProcessTable::kMaxHeldOutput);
  // A small frame may still fit.
  EXPECT_TRUE(ProcessTable::Hold(*e, Stream::kStderr, "x"));
}

TEST(ProcessTableTest, OnlyTheNewestExitedExecsAreKept) {
  ProcessTable t;
  t.Exited(*t.Add("", 1));  // the init is never forgotten
  ShimProcess* running = t.Add("running", 5);
  const int n = ProcessTable::kMaxExitedExecs + 10;
  for (int i = 0; i < n; ++i) t.Exited(*t.Add(absl::StrCat("e", i), 1000 + i));
  EXPECT_NE(t.Find(""), nullptr);
  EXPECT_EQ(t.Find("running"), running);
  EXPECT_FALSE(running->exited);
  EXPECT_EQ(t.Find("e0"), nullptr);
  EXPECT_EQ(t.Find("e9"), nullptr);
  EXPECT_NE(t.Find("e10"), nullptr);
  EXPECT_NE(t.Find(absl::StrCat("e", n - 1)), nullptr);
  // A forgotten id may be used again.
  EXPECT_NE(t.Add("e0", 9), nullptr);
}

}  // namespace
}  // namespace crate::shim
