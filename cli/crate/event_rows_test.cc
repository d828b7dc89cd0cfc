#include "cli/crate/event_rows.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/base/status_matchers.h"

namespace crate::cli {
namespace {

crate::v1::Event Start() {
  crate::v1::Event e;
  e.set_type("container");
  e.set_action("start");
  e.set_id("0123456789abcdef");
  e.set_name("web");
  e.set_time_unix_nanos(1796637600000000000 + 5);  // 2026-12-07T10:00:00Z
  (*e.mutable_attributes())["name"] = "web";
  (*e.mutable_attributes())["image"] = "busybox";
  return e;
}

TEST(EventRowsTest, DefaultLineIsDockers) {
  EXPECT_EQ(EventLine(Start()),
            "2026-12-07T10:00:00.000000005Z container start 0123456789abcdef "
            "(image=busybox, name=web)");
  crate::v1::Event bare;
  bare.set_type("volume");
  bare.set_action("create");
  bare.set_id("data");
  EXPECT_EQ(EventLine(bare),
            "1970-01-01T00:00:00.000000000Z volume create data");
}

TEST(EventRowsTest, JsonIsDockersMessage) {
  Json j = EventJson(Start());
  EXPECT_EQ(j["status"], "start");
  EXPECT_EQ(j["id"], "0123456789abcdef");
  EXPECT_EQ(j["from"], "busybox");
  EXPECT_EQ(j["Type"], "container");
  EXPECT_EQ(j["Action"], "start");
  EXPECT_EQ(j["Actor"]["ID"], "0123456789abcdef");
  EXPECT_EQ(j["Actor"]["Attributes"]["name"], "web");
  EXPECT_EQ(j["scope"], "local");
  EXPECT_EQ(j["time"], 1796637600);
  EXPECT_EQ(j["timeNano"], 1796637600000000005);
}

TEST(EventRowsTest, PrinterFormats) {
  ASSERT_OK_AND_ASSIGN(EventPrinter line, EventPrinter::Make(""));
  ASSERT_OK_AND_ASSIGN(std::string text, line.Print(Start()));
  EXPECT_EQ(text.back(), '\n');
  ASSERT_OK_AND_ASSIGN(
      EventPrinter t,
      EventPrinter::Make("{{.Type}} {{.Action}} {{.Actor.Attributes.name}} "
                         "{{.Actor.Attributes.missing}}"));
  ASSERT_OK_AND_ASSIGN(std::string templ, t.Print(Start()));
  EXPECT_EQ(templ, "container start web <no value>\n");
  ASSERT_OK_AND_ASSIGN(EventPrinter json, EventPrinter::Make("json"));
  ASSERT_OK_AND_ASSIGN(std::string j, json.Print(Start()));
  EXPECT_THAT(j, ::testing::HasSubstr("\"Action\":\"start\""));
  EXPECT_FALSE(EventPrinter::Make("table").ok());
  EXPECT_FALSE(EventPrinter::Make("{{.Type").ok());
}

}  // namespace
}  // namespace crate::cli
