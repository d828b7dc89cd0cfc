#include "runtime/shim/frames.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/base/status_matchers.h"

namespace crate::shim {
namespace {

using ::crate::testing::StatusIs;
using ::testing::HasSubstr;
using json = nlohmann::json;

TEST(FramesTest, StreamFrameIsJsonWithBase64Data) {
  std::string bytes("a\0\xff\n\"\\", 6);
  json j = json::parse(StreamFrame("stderr", bytes));
  EXPECT_EQ(j["stream"], "stderr");
  EXPECT_EQ(j["data"], "YQD/CiJc");
  EXPECT_EQ(j.size(), 2u);
}

TEST(FramesTest, AFullFrameStaysSmall) {
  std::string frame = StreamFrame("stdout", std::string(kMaxFrameData, 'x'));
  EXPECT_LT(frame.size(), 22 * 1024u);
  EXPECT_EQ(json::parse(frame)["data"].get<std::string>().size(),
            (kMaxFrameData + 2) / 3 * 4);
}

TEST(FramesTest, EmptyData) {
  EXPECT_EQ(StreamFrame("stdout", ""), R"({"stream":"stdout","data":""})");
}

TEST(FramesTest, ExitFrame) {
  EXPECT_EQ(SerializeMessage(ExitFrame(143)), R"({"exit":143})");
}

TEST(FramesTest, SerializeReplacesBadUtf8) {
  EXPECT_EQ(SerializeMessage({{"m", std::string("a\xff")}}),
            "{\"m\":\"a\xef\xbf\xbd\"}");
}

TEST(FramesTest, StdinInBothForms) {
  ASSERT_OK_AND_ASSIGN(ClientFrame a,
                       ParseClientFrame({{"stdin", "aGVsbG8K"}}));
  EXPECT_EQ(a.kind, ClientFrame::Kind::kStdin);
  EXPECT_EQ(a.data, "hello\n");
  ASSERT_OK_AND_ASSIGN(
      ClientFrame b, ParseClientFrame({{"stream", "stdin"}, {"data", "AP8="}}));
  EXPECT_EQ(b.kind, ClientFrame::Kind::kStdin);
  EXPECT_EQ(b.data, std::string("\0\xff", 2));
}

TEST(FramesTest, CloseAndResize) {
  ASSERT_OK_AND_ASSIGN(ClientFrame c, ParseClientFrame({{"close", "stdin"}}));
  EXPECT_EQ(c.kind, ClientFrame::Kind::kCloseStdin);
  ASSERT_OK_AND_ASSIGN(ClientFrame r, ParseClientFrame({{"resize", {24, 80}}}));
  EXPECT_EQ(r.kind, ClientFrame::Kind::kResize);
  EXPECT_EQ(r.rows, 24);
  EXPECT_EQ(r.cols, 80);
  ASSERT_OK_AND_ASSIGN(r, ParseClientFrame({{"resize", {65535, 1}}}));
  EXPECT_EQ(r.rows, 65535);
}

TEST(FramesTest, Refused) {
  struct Case {
    json frame;
    const char* message;
  } cases[] = {
      {json::array(), "not a JSON object"},
      {json::object(), "none of"},
      {{{"stdin", 5}}, "base64 string"},
      {{{"stdin", "***"}}, "not base64"},
      {{{"stream", "stdout"}, {"data", ""}}, "only the \"stdin\" stream"},
      {{{"stream", "stdin"}}, "without \"data\""},
      {{{"close", "stdout"}}, "only \"stdin\""},
      {{{"resize", {0, 80}}}, "resize must be"},
      {{{"resize", {24, 65536}}}, "resize must be"},
      {{{"resize", {24}}}, "resize must be"},
      {{{"resize", {24.5, 80}}}, "resize must be"},
      {{{"resize", "24x80"}}, "resize must be"},
  };
  for (const Case& c : cases) {
    EXPECT_THAT(
        ParseClientFrame(c.frame),
        StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(c.message)))
        << c.frame;
  }
}

}  // namespace
}  // namespace crate::shim
