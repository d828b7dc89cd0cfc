#include "runtime/shim/requests.h"

#include <sys/socket.h>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/base/status_matchers.h"
#include "runtime/base/unique_fd.h"
#include "runtime/shim/protocol.h"

namespace crate::shim {
namespace {

using ::crate::testing::StatusIs;
using ::testing::HasSubstr;
using json = nlohmann::json;

// The message with one field replaced (or removed, for a null value).
json With(json j, const char* field, json value) {
  if (value.is_null()) {
    j.erase(field);
  } else {
    j[field] = std::move(value);
  }
  return j;
}

MATCHER_P(InvalidNaming, text, "") {
  return ::testing::ExplainMatchResult(
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(text)), arg,
      result_listener);
}

TEST(RequestsTest, KillHasTheDocumentedForm) {
  KillRequest k{"c1", 9, true};
  EXPECT_EQ(
      k.ToJson(),
      json(
          {{"op", "kill"}, {"container", "c1"}, {"signal", 9}, {"all", true}}));
  ASSERT_OK_AND_ASSIGN(KillRequest back, KillRequest::FromJson(k.ToJson()));
  EXPECT_EQ(back.container, "c1");
  EXPECT_EQ(back.signal, 9);
  EXPECT_TRUE(back.all);
  // "all" may be left out.
  ASSERT_OK_AND_ASSIGN(back,
                       KillRequest::FromJson(With(k.ToJson(), "all", nullptr)));
  EXPECT_FALSE(back.all);
}

TEST(RequestsTest, KillRefusesBadSignals) {
  json k = KillRequest{"c1", 15, false}.ToJson();
  EXPECT_THAT(KillRequest::FromJson(With(k, "signal", nullptr)),
              InvalidNaming("kill request: field \"signal\" is missing"));
  for (const json& bad : {json("TERM"), json(0), json(65), json(-9), json(9.0),
                          json(uint64_t{1} << 63), json(true)}) {
    EXPECT_THAT(KillRequest::FromJson(With(k, "signal", bad)),
                InvalidNaming("field \"signal\" must be an integer from 1 to "
                              "64, not " +
                              bad.dump()));
  }
  EXPECT_OK(KillRequest::FromJson(With(k, "signal", 64)).status());
  EXPECT_THAT(
      KillRequest::FromJson(With(k, "all", "yes")),
      InvalidNaming("field \"all\" must be true or false, not \"yes\""));
}

TEST(RequestsTest, EveryRequestNamesItsContainerAndOp) {
  json msgs[] = {
      StateRequest{"c"}.ToJson(),
      StartRequest{"c"}.ToJson(),
      KillRequest{"c", 9}.ToJson(),
      ExecRequest{"c", "e", json::object()}.ToJson(),
      ResizeRequest{"c", "", 24, 80}.ToJson(),
      WaitRequest{"c"}.ToJson(),
      AttachRequest{"c"}.ToJson(),
      ShutdownRequest{"c"}.ToJson(),
  };
  const char* ops[] = {"state",  "start", "kill",   "exec",
                       "resize", "wait",  "attach", "shutdown"};
  for (size_t i = 0; i < 8; ++i) {
    ASSERT_OK_AND_ASSIGN(std::string op, RequestOp(msgs[i]));
    EXPECT_EQ(op, ops[i]);
    EXPECT_EQ(msgs[i]["container"], "c");
  }
  json state = StateRequest{"c"}.ToJson();
  EXPECT_THAT(StateRequest::FromJson(With(state, "container", nullptr)),
              InvalidNaming("state request: field \"container\""));
  EXPECT_THAT(StateRequest::FromJson(With(state, "container", "")),
              InvalidNaming("field \"container\" must not be empty"));
  EXPECT_THAT(StateRequest::FromJson(With(state, "container", 7)),
              InvalidNaming("field \"container\" must be a string, not 7"));
  EXPECT_THAT(StartRequest::FromJson(state),
              InvalidNaming("start request: field \"op\" is \"state\""));
  EXPECT_THAT(StartRequest::FromJson(With(state, "op", nullptr)),
              InvalidNaming("field \"op\" is missing"));
  EXPECT_THAT(StartRequest::FromJson(json::array()),
              InvalidNaming("start request: not a JSON object"));
  EXPECT_OK(StateRequest::FromJson(state).status());
  EXPECT_OK(ShutdownRequest::FromJson(ShutdownRequest{"c"}.ToJson()).status());
}

TEST(RequestsTest, UnknownFieldsAreIgnored) {
  json state = With(StateRequest{"c"}.ToJson(), "from_the_future", {1, 2});
  EXPECT_OK(StateRequest::FromJson(state).status());
}

TEST(RequestsTest, RequestOpNeedsAStringOp) {
  EXPECT_THAT(RequestOp(json::array()), InvalidNaming("\"op\""));
  EXPECT_THAT(RequestOp(json({{"op", 1}})), InvalidNaming("\"op\""));
  ASSERT_OK_AND_ASSIGN(std::string op, RequestOp(json({{"op", "new"}})));
  EXPECT_EQ(op, "new");
}

TEST(RequestsTest, Exec) {
  ExecRequest e;
  e.container = "c";
  e.exec_id = "e1";
  e.process = {{"args", {"sh", "-c", "true"}}, {"cwd", "/"}};
  e.tty = true;
  e.open_stdin = true;
  json j = e.ToJson();
  EXPECT_EQ(j["stdin"], true);
  ASSERT_OK_AND_ASSIGN(ExecRequest back, ExecRequest::FromJson(j));
  EXPECT_EQ(back.exec_id, "e1");
  EXPECT_EQ(back.process, e.process);
  EXPECT_TRUE(back.tty);
  EXPECT_TRUE(back.open_stdin);
  EXPECT_THAT(ExecRequest::FromJson(With(j, "exec_id", "")),
              InvalidNaming("exec request: field \"exec_id\" must not be"));
  EXPECT_THAT(ExecRequest::FromJson(With(j, "process", nullptr)),
              InvalidNaming("field \"process\" is missing"));
  EXPECT_THAT(ExecRequest::FromJson(With(j, "process", "sh")),
              InvalidNaming("field \"process\" must be an object"));
  EXPECT_THAT(ExecRequest::FromJson(With(j, "tty", 1)),
              InvalidNaming("field \"tty\" must be true or false"));
}

TEST(RequestsTest, Resize) {
  json j = ResizeRequest{"c", "e1", 24, 80}.ToJson();
  ASSERT_OK_AND_ASSIGN(ResizeRequest back, ResizeRequest::FromJson(j));
  EXPECT_EQ(back.exec_id, "e1");
  EXPECT_EQ(back.rows, 24);
  EXPECT_EQ(back.cols, 80);
  ASSERT_OK_AND_ASSIGN(back,
                       ResizeRequest::FromJson(With(j, "exec_id", nullptr)));
  EXPECT_EQ(back.exec_id, "");
  EXPECT_THAT(
      ResizeRequest::FromJson(With(j, "rows", 0)),
      InvalidNaming("field \"rows\" must be an integer from 1 to 65535"));
  EXPECT_THAT(ResizeRequest::FromJson(With(j, "cols", 65536)),
              InvalidNaming("field \"cols\""));
  EXPECT_THAT(ResizeRequest::FromJson(With(j, "exec_id", false)),
              InvalidNaming("field \"exec_id\" must be a string"));
}

TEST(RequestsTest, WaitAndAttach) {
  ASSERT_OK_AND_ASSIGN(WaitRequest w,
                       WaitRequest::FromJson(WaitRequest{"c", "e2"}.ToJson()));
  EXPECT_EQ(w.exec_id, "e2");

  AttachRequest a{"c", "", true, true, false};
  json j = a.ToJson();
  EXPECT_EQ(j, json({{"op", "attach"},
                     {"container", "c"},
                     {"exec_id", ""},
                     {"stdin", true},
                     {"stdout", true},
                     {"stderr", false}}));
  ASSERT_OK_AND_ASSIGN(AttachRequest back, AttachRequest::FromJson(j));
  EXPECT_TRUE(back.attach_stdin);
  EXPECT_TRUE(back.attach_stdout);
  EXPECT_FALSE(back.attach_stderr);
  EXPECT_THAT(AttachRequest::FromJson(With(j, "stderr", "no")),
              InvalidNaming("attach request: field \"stderr\""));
}

TEST(RequestsTest, OverASocket) {
  int fds[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds), 0);
  UniqueFd crated(fds[0]), shim(fds[1]);
  ASSERT_OK(SendMessage(crated.get(), KillRequest{"c", 15, false}.ToJson()));
  ASSERT_OK_AND_ASSIGN(json msg, ReceiveMessage(shim.get(), absl::Seconds(5)));
  ASSERT_OK_AND_ASSIGN(std::string op, RequestOp(msg));
  ASSERT_EQ(op, KillRequest::kOp);
  ASSERT_OK_AND_ASSIGN(KillRequest kill, KillRequest::FromJson(msg));
  EXPECT_EQ(kill.signal, 15);
  ASSERT_OK(SendMessage(shim.get(), ErrorResponse(absl::FailedPreconditionError(
                                        "container c is not running"))));
  ASSERT_OK_AND_ASSIGN(json response,
                       ReceiveMessage(crated.get(), absl::Seconds(5)));
  EXPECT_THAT(StatusFromResponse(response),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("container c is not running")));
}

}  // namespace
}  // namespace crate::shim
