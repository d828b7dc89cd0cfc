#include "runtime/shim/protocol.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/base/status_matchers.h"
#include "runtime/base/unique_fd.h"

namespace crate::shim {
namespace {

using ::crate::testing::IsOk;
using ::crate::testing::StatusIs;
using ::testing::HasSubstr;
using json = nlohmann::json;

constexpr absl::Duration kWait = absl::Seconds(5);

class ProtocolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    int fds[2];
    ASSERT_EQ(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds), 0);
    a_.Reset(fds[0]);
    b_.Reset(fds[1]);
  }

  void SendRaw(absl::string_view data) {
    ASSERT_EQ(send(a_.get(), data.data(), data.size(), 0),
              static_cast<ssize_t>(data.size()));
  }

  UniqueFd a_, b_;
};

TEST_F(ProtocolTest, MessagesKeepTheirBoundaries) {
  ASSERT_OK(SendMessage(a_.get(), {{"op", "state"}, {"container", "c1"}}));
  ASSERT_OK(SendMessage(a_.get(), {{"op", "start"}}));
  ASSERT_OK(SendMessage(a_.get(), json::object()));
  ASSERT_OK_AND_ASSIGN(json m1, ReceiveMessage(b_.get(), kWait));
  ASSERT_OK_AND_ASSIGN(json m2, ReceiveMessage(b_.get(), kWait));
  ASSERT_OK_AND_ASSIGN(json m3, ReceiveMessage(b_.get(), kWait));
  EXPECT_EQ(m1, json({{"op", "state"}, {"container", "c1"}}));
  EXPECT_EQ(m2, json({{"op", "start"}}));
  EXPECT_EQ(m3, json::object());
  // And the other way.
  ASSERT_OK(SendMessage(b_.get(), OkResponse()));
  ASSERT_OK_AND_ASSIGN(json r, ReceiveMessage(a_.get(), kWait));
  EXPECT_EQ(r, json({{"ok", true}}));
}

TEST_F(ProtocolTest, AMessageOfTheLimitGoesAndOneByteMoreDoesNot) {
  // {"d":"xxx..."} is 8 bytes around the string.
  json msg = {{"d", std::string(kMaxMessageBytes - 8, 'x')}};
  ASSERT_EQ(msg.dump().size(), kMaxMessageBytes);
  absl::Status sent = SendMessage(a_.get(), msg);
  if (absl::IsResourceExhausted(sent) && geteuid() != 0) {
    GTEST_SKIP() << "net.core.wmem_max is too small and not root: " << sent;
  }
  ASSERT_OK(sent);
  ASSERT_OK_AND_ASSIGN(json got, ReceiveMessage(b_.get(), kWait));
  EXPECT_TRUE(got == msg);

  msg["d"] = std::string(kMaxMessageBytes - 7, 'x');
  EXPECT_THAT(SendMessage(a_.get(), msg),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("1048577 bytes is more than the limit")));
  // Nothing was sent.
  EXPECT_THAT(ReceiveMessage(b_.get(), absl::ZeroDuration()),
              StatusIs(absl::StatusCode::kDeadlineExceeded, HasSubstr("none")));
}

TEST_F(ProtocolTest, ReceiveTimesOut) {
  absl::Time start = absl::Now();
  EXPECT_THAT(ReceiveMessage(b_.get(), absl::Milliseconds(50)),
              StatusIs(absl::StatusCode::kDeadlineExceeded,
                       HasSubstr("none within 50ms")));
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(50));
}

TEST_F(ProtocolTest, EndOfFileIsUnavailableAfterWhatWasSent) {
  ASSERT_OK(SendMessage(a_.get(), {{"last", 1}}));
  a_.Reset();
  ASSERT_OK_AND_ASSIGN(json last, ReceiveMessage(b_.get(), kWait));
  EXPECT_EQ(last["last"], 1);
  EXPECT_THAT(ReceiveMessage(b_.get(), kWait),
              StatusIs(absl::StatusCode::kUnavailable,
                       HasSubstr("shim connection closed")));
}

TEST_F(ProtocolTest, SendToAClosedPeerIsUnavailable) {
  b_.Reset();
  EXPECT_THAT(SendMessage(a_.get(), {{"op", "state"}}),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("closed")));
}

TEST_F(ProtocolTest, MalformedMessagesAreDataLossAndNamed) {
  SendRaw("{\"op\": \"kill\", ");
  EXPECT_THAT(
      ReceiveMessage(b_.get(), kWait),
      StatusIs(absl::StatusCode::kDataLoss, HasSubstr("malformed JSON")));
  SendRaw(std::string("\x00\xff\x01garbage", 10));
  EXPECT_THAT(ReceiveMessage(b_.get(), kWait),
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr("\\x00\\xff\\x01garbage")));
  SendRaw("[1, 2]");
  EXPECT_THAT(ReceiveMessage(b_.get(), kWait),
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr("not a JSON object: [1, 2]")));
  SendRaw("{} {}");
  EXPECT_THAT(ReceiveMessage(b_.get(), kWait),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("malformed")));
  // A bad message costs only itself.
  ASSERT_OK(SendMessage(a_.get(), {{"ok", true}}));
  EXPECT_THAT(ReceiveMessage(b_.get(), kWait), IsOk());
}

TEST_F(ProtocolTest, ATruncatedDatagramIsDataLoss) {
  ASSERT_OK(SendMessage(a_.get(), {{"data", std::string(100, 'x')}}));
  EXPECT_THAT(
      ReceiveMessage(b_.get(), kWait, 64),
      StatusIs(absl::StatusCode::kDataLoss, HasSubstr("longer than 64 bytes")));
  ASSERT_OK(SendMessage(a_.get(), {{"n", 2}}));
  ASSERT_OK_AND_ASSIGN(json next, ReceiveMessage(b_.get(), kWait, 64));
  EXPECT_EQ(next["n"], 2);
}

TEST_F(ProtocolTest, ANonBlockingSenderWaitsForRoomThenGivesUp) {
  ASSERT_EQ(fcntl(a_.get(), F_SETFL, O_NONBLOCK), 0);
  json msg = {{"data", std::string(1000, 'x')}};
  absl::Status status;
  int sent = 0;
  for (; sent < 100000; ++sent) {
    status = SendMessage(a_.get(), msg, absl::Milliseconds(20));
    if (!status.ok()) break;
  }
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kDeadlineExceeded,
                               HasSubstr("has not read for 20ms")));
  ASSERT_OK(ReceiveMessage(b_.get(), kWait).status());
  EXPECT_OK(SendMessage(a_.get(), msg, absl::Milliseconds(20)));
  for (int i = 0; i < sent; ++i) {  // the rest, and the last one
    ASSERT_OK(ReceiveMessage(b_.get(), kWait).status());
  }
}

TEST_F(ProtocolTest, BytesThatAreNotUtf8AreReplacedNotRefused) {
  ASSERT_OK(SendMessage(
      a_.get(), ErrorResponse(absl::NotFoundError("open /a\xff/b: gone"))));
  ASSERT_OK_AND_ASSIGN(json got, ReceiveMessage(b_.get(), kWait));
  EXPECT_THAT(StatusFromResponse(got),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr("open /a\xef\xbf\xbd/b: gone")));
}

TEST(ResponseTest, EveryKindRoundTrips) {
  struct Case {
    absl::StatusCode code;
    const char* kind;
  } cases[] = {
      {absl::StatusCode::kNotFound, "not_found"},
      {absl::StatusCode::kAlreadyExists, "exists"},
      {absl::StatusCode::kFailedPrecondition, "state"},
      {absl::StatusCode::kInvalidArgument, "invalid"},
      {absl::StatusCode::kPermissionDenied, "denied"},
      {absl::StatusCode::kUnavailable, "unavailable"},
      {absl::StatusCode::kInternal, "internal"},
  };
  for (const Case& c : cases) {
    absl::Status status(c.code, "container web: what went wrong");
    json r = ErrorResponse(status, ENOENT);
    EXPECT_EQ(r, json({{"ok", false},
                       {"kind", c.kind},
                       {"message", "container web: what went wrong"},
                       {"errno", ENOENT}}));
    EXPECT_EQ(StatusFromResponse(r), status) << c.kind;
    EXPECT_EQ(ErrnoFromResponse(r), ENOENT);
  }
}

TEST(ResponseTest, OtherCodesShareAKind) {
  EXPECT_EQ(ErrorResponse(absl::OutOfRangeError("x"))["kind"], "invalid");
  EXPECT_EQ(ErrorResponse(absl::UnauthenticatedError("x"))["kind"], "denied");
  EXPECT_EQ(ErrorResponse(absl::DeadlineExceededError("x"))["kind"],
            "internal");
  EXPECT_EQ(ErrorResponse(absl::ResourceExhaustedError("x"))["kind"],
            "internal");
  EXPECT_EQ(ErrorResponse(absl::OkStatus()), OkResponse());
}

TEST(ResponseTest, ErrnoOnlyWhenGiven) {
  json r = ErrorResponse(absl::InternalError("x"));
  EXPECT_FALSE(r.contains("errno"));
  EXPECT_EQ(ErrnoFromResponse(r), 0);
  EXPECT_EQ(ErrnoFromResponse(json({{"errno", "2"}})), 0);
  EXPECT_EQ(ErrnoFromResponse(json({{"errno", -1}})), 0);
  EXPECT_EQ(ErrnoFromResponse(json::array()), 0);
}

TEST(ResponseTest, ResponsesFromAnotherShimVersion) {
  EXPECT_OK(StatusFromResponse({{"ok", true}, {"pid", 42}}));
  EXPECT_THAT(
      StatusFromResponse({{"ok", false}, {"kind", "quota"}, {"message", "m"}}),
      StatusIs(absl::StatusCode::kInternal,
               HasSubstr("unknown kind \"quota\": m")));
  EXPECT_THAT(
      StatusFromResponse({{"ok", false}, {"kind", "state"}}),
      StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("no message")));
}

TEST(ResponseTest, SomethingThatIsNotAResponseIsDataLoss) {
  for (const json& bad : {json::array(), json(7), json::object(),
                          json({{"ok", "true"}}), json({{"ok", 1}})}) {
    EXPECT_THAT(StatusFromResponse(bad),
                StatusIs(absl::StatusCode::kDataLoss,
                         HasSubstr("malformed shim response")))
        << bad.dump();
  }
}

}  // namespace
}  // namespace crate::shim
