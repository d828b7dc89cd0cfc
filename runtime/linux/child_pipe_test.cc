#include "runtime/linux/child_pipe.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>

#include "absl/status/status.h"
#include "gtest/gtest.h"

namespace crate::linux {
namespace {

struct Pipe {
  Pipe() {
    int fds[2];
    EXPECT_EQ(pipe2(fds, O_CLOEXEC), 0);
    read_end.Reset(fds[0]);
    write_end.Reset(fds[1]);
  }
  UniqueFd read_end, write_end;
};

TEST(ChildReaderTest, ReadsWhatTheChildWrote) {
  Pipe p;
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    WriteError(p.write_end.get(), absl::InternalError("mount failed"));
    _exit(0);
  }
  ChildReader reader(p.read_end.get(), child);
  char tag = 0;
  ASSERT_TRUE(reader.ReadFull(&tag, 1));
  EXPECT_EQ(tag, kTagError);
  EXPECT_EQ(reader.ReadErrorMessage(), "mount failed");
  waitpid(child, nullptr, 0);
}

// The hang of a runtime that kept the write end itself: the child's death
// must end the read although end of file never comes.
TEST(ChildReaderTest, ChildDeathEndsAReadWhileTheWriteEndStaysOpen) {
  Pipe p;
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) _exit(3);
  ChildReader reader(p.read_end.get(), child);
  char tag = 0;
  EXPECT_FALSE(reader.ReadFull(&tag, 1));
  EXPECT_TRUE(reader.WriterDead());
  waitpid(child, nullptr, 0);
}

TEST(ChildReaderTest, KilledMidMessage) {
  Pipe p;
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    char header[1 + sizeof(uint32_t)] = {kTagError, 100, 0, 0, 0};
    WriteAll(p.write_end.get(), header, sizeof(header));
    WriteAll(p.write_end.get(), "half", 4);
    pause();
    _exit(0);
  }
  ChildReader reader(p.read_end.get(), child);
  char tag = 0;
  ASSERT_TRUE(reader.ReadFull(&tag, 1));
  kill(child, SIGKILL);
  EXPECT_EQ(reader.ReadErrorMessage(), "");
  waitpid(child, nullptr, 0);
}

// Where the watched process was already reaped (no pidfd can be had),
// the reader falls back to /proc and still ends.
TEST(ChildReaderTest, ReapedWriter) {
  Pipe p;
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) _exit(0);
  waitpid(child, nullptr, 0);
  ChildReader reader(p.read_end.get(), child);
  char tag = 0;
  EXPECT_FALSE(reader.ReadFull(&tag, 1));
}

TEST(ProcessGoneTest, ZombieIsGone) {
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) _exit(0);
  for (int i = 0; i < 1000 && !ProcessGone(child); ++i) usleep(1000);
  EXPECT_TRUE(ProcessGone(child));
  waitpid(child, nullptr, 0);
  EXPECT_FALSE(ProcessGone(getpid()));
}

}  // namespace
}  // namespace crate::linux
