#include "runtime/shim/outbox.h"

#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include "gtest/gtest.h"
#include "runtime/base/unique_fd.h"

namespace crate::shim {
namespace {

class OutboxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    int fds[2];
    ASSERT_EQ(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds), 0);
    ours_.Reset(fds[0]);
    theirs_.Reset(fds[1]);
    int small = 16 * 1024;  // the kernel doubles it
    setsockopt(ours_.get(), SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
  }

  // Reads every datagram waiting on the client's side.
  std::vector<std::string> Drain() {
    std::vector<std::string> out;
    char buf[64 * 1024];
    while (true) {
      ssize_t n = recv(theirs_.get(), buf, sizeof(buf), MSG_DONTWAIT);
      if (n <= 0) break;
      out.emplace_back(buf, static_cast<size_t>(n));
    }
    return out;
  }

  UniqueFd ours_, theirs_;
  Outbox box_;
};

TEST_F(OutboxTest, SendsAtOnceWhenThereIsRoom) {
  ASSERT_TRUE(box_.Send(ours_.get(), "one", Outbox::Kind::kControl));
  ASSERT_TRUE(box_.Send(ours_.get(), "two", Outbox::Kind::kOutput));
  EXPECT_TRUE(box_.empty());
  EXPECT_EQ(Drain(), (std::vector<std::string>{"one", "two"}));
}

TEST_F(OutboxTest, AFullSocketQueuesThenDropsOutputButKeepsControl) {
  std::string frame(8 * 1024, 'o');
  int sent = 0;
  // Fill the socket and then the queue up to the output limit.
  while (box_.queued_bytes() < Outbox::kMaxQueuedOutput) {
    ASSERT_TRUE(box_.Send(ours_.get(), frame, Outbox::Kind::kOutput));
    ++sent;
  }
  EXPECT_EQ(box_.dropped(), 0u);
  ASSERT_TRUE(box_.Send(ours_.get(), frame, Outbox::Kind::kOutput));
  EXPECT_EQ(box_.dropped(), 1u);
  ASSERT_TRUE(box_.Send(ours_.get(), "exit", Outbox::Kind::kControl));
  EXPECT_FALSE(box_.empty());

  // The client reads; flushing moves the rest, in order, control last.
  std::vector<std::string> got;
  for (int round = 0; round < 1000 && !box_.empty(); ++round) {
    std::vector<std::string> part = Drain();
    got.insert(got.end(), part.begin(), part.end());
    ASSERT_TRUE(box_.Flush(ours_.get()));
  }
  std::vector<std::string> part = Drain();
  got.insert(got.end(), part.begin(), part.end());
  EXPECT_TRUE(box_.empty());
  EXPECT_EQ(box_.queued_bytes(), 0u);
  ASSERT_EQ(got.size(), static_cast<size_t>(sent) + 1);
  EXPECT_EQ(got.back(), "exit");
}

TEST_F(OutboxTest, AClientTooFarBehindIsGivenUpOn) {
  std::string msg(64 * 1024, 'c');
  bool ok = true;
  for (int i = 0; i < 100 && ok; ++i) {
    ok = box_.Send(ours_.get(), msg, Outbox::Kind::kControl);
  }
  EXPECT_FALSE(ok);
  EXPECT_LE(box_.queued_bytes(), Outbox::kMaxQueued);
}

TEST_F(OutboxTest, AGonePeerIsBroken) {
  theirs_.Reset();
  EXPECT_FALSE(box_.Send(ours_.get(), "x", Outbox::Kind::kOutput));
}

TEST_F(OutboxTest, FlushOfAGonePeerIsBroken) {
  std::string frame(8 * 1024, 'o');
  while (box_.empty()) {
    ASSERT_TRUE(box_.Send(ours_.get(), frame, Outbox::Kind::kControl));
  }
  theirs_.Reset();
  EXPECT_FALSE(box_.Flush(ours_.get()));
}

}  // namespace
}  // namespace crate::shim
