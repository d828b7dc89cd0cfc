#include "runtime/shim/process_io.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#include <cstring>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/base/status_matchers.h"

namespace crate::shim {
namespace {

using ::crate::testing::StatusIs;
using ::testing::HasSubstr;

// Everything `fd` has now, up to its end.
std::string ReadAll(int fd) {
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = ProcessIo::Read(fd, buf, sizeof(buf))) > 0) {
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

TEST(ProcessIoTest, PipesCarryOutputUntilTheEnd) {
  ASSERT_OK_AND_ASSIGN(ProcessIo io, ProcessIo::Make(false, false));
  EXPECT_FALSE(io.tty());
  EXPECT_EQ(io.console_fd(), -1);
  std::array<int, 3> child = io.child_stdio();
  ASSERT_EQ(write(child[1], "out\n", 4), 4);
  ASSERT_EQ(write(child[2], "err", 3), 3);
  ASSERT_OK(io.Created());
  char buf[64];
  ASSERT_EQ(ProcessIo::Read(io.stdout_fd(), buf, sizeof(buf)), 4);
  EXPECT_EQ(std::string(buf, 4), "out\n");
  // The process's end closed by Created: the end of the stream.
  EXPECT_EQ(ProcessIo::Read(io.stdout_fd(), buf, sizeof(buf)), -1);
  EXPECT_EQ(ReadAll(io.stderr_fd()), "err");
  io.CloseStdout();
  io.CloseStderr();
  EXPECT_EQ(io.stdout_fd(), -1);
  EXPECT_EQ(io.stderr_fd(), -1);
}

TEST(ProcessIoTest, AnEmptyPipeIsNotItsEnd) {
  ASSERT_OK_AND_ASSIGN(ProcessIo io, ProcessIo::Make(false, false));
  char buf[8];
  EXPECT_EQ(ProcessIo::Read(io.stdout_fd(), buf, sizeof(buf)), 0);
}

TEST(ProcessIoTest, WithoutStdinTheProcessReadsDevNull) {
  ASSERT_OK_AND_ASSIGN(ProcessIo io, ProcessIo::Make(false, false));
  EXPECT_FALSE(io.has_stdin());
  EXPECT_EQ(io.stdin_fd(), -1);
  char c;
  EXPECT_EQ(read(io.child_stdio()[0], &c, 1), 0);
  io.QueueStdin("ignored");
  EXPECT_EQ(io.stdin_queued(), 0u);
}

TEST(ProcessIoTest, StdinIsHeldUntilTheProcessReadsItThenClosed) {
  ASSERT_OK_AND_ASSIGN(ProcessIo io, ProcessIo::Make(false, true));
  ASSERT_TRUE(io.has_stdin());
  UniqueFd child_in(dup(io.child_stdio()[0]));
  ASSERT_OK(io.Created());
  std::string big(1 << 20, 'i');
  io.QueueStdin(big);
  // A pipe holds 64 KiB: the rest waits, and nothing blocks.
  EXPECT_TRUE(io.WriteStdin());
  EXPECT_GT(io.stdin_queued(), 0u);
  EXPECT_LT(io.stdin_queued(), big.size());
  io.CloseStdin();
  EXPECT_FALSE(io.stdin_finishing());  // not before the bytes are written
  io.QueueStdin("dropped: after the close");
  std::string got;
  char buf[65536];
  while (true) {
    ssize_t n = read(child_in.get(), buf, sizeof(buf));
    ASSERT_GE(n, 0);
    if (n == 0) break;
    got.append(buf, static_cast<size_t>(n));
    io.WriteStdin();
    if (io.stdin_finishing()) io.FinishStdin();
  }
  EXPECT_EQ(got.size(), big.size());
  EXPECT_EQ(io.stdin_fd(), -1);
}

TEST(ProcessIoTest, StdinOfAProcessThatStoppedReadingIsDropped) {
  ASSERT_OK_AND_ASSIGN(ProcessIo io, ProcessIo::Make(false, true));
  ASSERT_OK(io.Created());  // the only reader closed
  signal(SIGPIPE, SIG_IGN);
  io.QueueStdin("lost");
  EXPECT_FALSE(io.WriteStdin());
  EXPECT_EQ(io.stdin_queued(), 0u);
}

TEST(ProcessIoTest, ResizeNeedsATerminal) {
  ASSERT_OK_AND_ASSIGN(ProcessIo io, ProcessIo::Make(false, false));
  EXPECT_THAT(io.Resize(24, 80), StatusIs(absl::StatusCode::kFailedPrecondition,
                                          HasSubstr("no terminal")));
}

TEST(ProcessIoTest, ATerminalThatNeverCameIsRefused) {
  ASSERT_OK_AND_ASSIGN(ProcessIo io, ProcessIo::Make(true, false));
  EXPECT_GE(io.console_fd(), 0);
  EXPECT_EQ(io.child_stdio(), (std::array<int, 3>{-1, -1, -1}));
  EXPECT_THAT(io.Created(), StatusIs(absl::StatusCode::kFailedPrecondition,
                                     HasSubstr("process.terminal")));
}

// What the container's init does with process.terminal: a pty whose master
// goes over the console socket.
class TerminalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    UniqueFd master(posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC));
    if (!master || grantpt(master.get()) != 0 || unlockpt(master.get()) != 0) {
      GTEST_SKIP() << "no pseudo-terminals here";
    }
    slave_.Reset(open(ptsname(master.get()), O_RDWR | O_NOCTTY | O_CLOEXEC));
    ASSERT_TRUE(slave_);
    ASSERT_OK_AND_ASSIGN(io_, ProcessIo::Make(true, false));
    struct msghdr msg = {};
    char name[] = "/dev/pts/x";
    struct iovec iov = {name, sizeof(name)};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    alignas(struct cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    msg.msg_control = control;
    msg.msg_controllen = sizeof(control);
    struct cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
    cmsg->cmsg_level = SOL_SOCKET;
    cmsg->cmsg_type = SCM_RIGHTS;
    cmsg->cmsg_len = CMSG_LEN(sizeof(int));
    int fd = master.get();
    memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
    ASSERT_GT(sendmsg(io_.console_fd(), &msg, 0), 0);
    ASSERT_OK(io_.Created());
  }

  UniqueFd slave_;
  ProcessIo io_;
};

TEST_F(TerminalTest, OutputInputAndSize) {
  EXPECT_TRUE(io_.has_stdin());
  EXPECT_EQ(io_.stdout_fd(), io_.stdin_fd());
  EXPECT_EQ(io_.stderr_fd(), -1);
  struct termios raw;
  ASSERT_EQ(tcgetattr(slave_.get(), &raw), 0);
  raw.c_oflag &= ~OPOST;
  raw.c_lflag &= ~ECHO;
  ASSERT_EQ(tcsetattr(slave_.get(), TCSANOW, &raw), 0);
  ASSERT_EQ(write(slave_.get(), "tty out", 7), 7);
  usleep(10000);
  EXPECT_EQ(ReadAll(io_.stdout_fd()), "tty out");

  io_.QueueStdin("line\n");
  EXPECT_FALSE(io_.WriteStdin());
  char buf[64];
  ASSERT_EQ(read(slave_.get(), buf, sizeof(buf)), 5);
  EXPECT_EQ(std::string(buf, 5), "line\n");
  // Closing stdin is the terminal's end-of-file: an empty read.
  io_.CloseStdin();
  ASSERT_TRUE(io_.stdin_finishing());
  io_.FinishStdin();
  EXPECT_FALSE(io_.stdin_finishing());
  EXPECT_EQ(read(slave_.get(), buf, sizeof(buf)), 0);
  EXPECT_GE(io_.stdout_fd(), 0);  // output goes on

  ASSERT_OK(io_.Resize(33, 101));
  struct winsize ws;
  ASSERT_EQ(ioctl(slave_.get(), TIOCGWINSZ, &ws), 0);
  EXPECT_EQ(ws.ws_row, 33);
  EXPECT_EQ(ws.ws_col, 101);
}

TEST_F(TerminalTest, TheEndIsWhenTheSlaveIsClosed) {
  slave_.Reset();
  char buf[8];
  EXPECT_EQ(ProcessIo::Read(io_.stdout_fd(), buf, sizeof(buf)), -1);
}

}  // namespace
}  // namespace crate::shim
