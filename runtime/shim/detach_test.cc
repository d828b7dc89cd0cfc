#include "runtime/shim/detach.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gtest/gtest.h"
#include "runtime/base/unique_fd.h"

namespace crate::shim {
namespace {

struct Report {
  pid_t pid, ppid, sid, pgid;
  int subreaper;
  bool term_ignored, stdin_null, in_root, setup_ok;
};

bool IsDevNull(int fd) {
  struct stat a, b;
  return fstat(fd, &a) == 0 && stat("/dev/null", &b) == 0 &&
         a.st_rdev == b.st_rdev && S_ISCHR(a.st_mode);
}

TEST(DetachTest, TheShimIsInItsOwnSessionAndNobodysChild) {
  int fds[2];
  ASSERT_EQ(pipe2(fds, O_CLOEXEC), 0);
  UniqueFd r(fds[0]), w(fds[1]);
  pid_t starter = fork();
  ASSERT_GE(starter, 0);
  if (starter == 0) {
    r.Reset();
    Detach();  // returns only in the grandchild
    Report rep = {};
    rep.setup_ok = BecomeShimProcess().ok();
    rep.pid = getpid();
    rep.ppid = getppid();
    rep.sid = getsid(0);
    rep.pgid = getpgrp();
    prctl(PR_GET_CHILD_SUBREAPER, &rep.subreaper, 0, 0, 0);
    struct sigaction sa;
    sigaction(SIGTERM, nullptr, &sa);
    rep.term_ignored = sa.sa_handler == SIG_IGN;
    rep.stdin_null = IsDevNull(0) && IsDevNull(1) && IsDevNull(2);
    char cwd[8] = {};
    rep.in_root =
        getcwd(cwd, sizeof(cwd)) != nullptr && cwd[0] == '/' && cwd[1] == 0;
    (void)!write(w.get(), &rep, sizeof(rep));
    _exit(0);
  }
  w.Reset();
  int wstatus = 0;
  ASSERT_EQ(waitpid(starter, &wstatus, 0), starter);
  // The starter is gone as soon as the middle process is.
  EXPECT_TRUE(WIFEXITED(wstatus));
  EXPECT_EQ(WEXITSTATUS(wstatus), 0);
  Report rep = {};
  ASSERT_EQ(read(r.get(), &rep, sizeof(rep)), ssize_t{sizeof(rep)});
  EXPECT_TRUE(rep.setup_ok);
  EXPECT_NE(rep.pid, starter);
  EXPECT_NE(rep.ppid, starter);
  EXPECT_NE(rep.ppid, getpid());
  EXPECT_NE(rep.sid, getsid(0));
  EXPECT_NE(rep.sid, rep.pid);  // a member, not the leader
  EXPECT_EQ(rep.pgid, rep.sid);
  EXPECT_EQ(rep.subreaper, 1);
  EXPECT_TRUE(rep.term_ignored);
  EXPECT_TRUE(rep.stdin_null);
  EXPECT_TRUE(rep.in_root);
}

}  // namespace
}  // namespace crate::shim
