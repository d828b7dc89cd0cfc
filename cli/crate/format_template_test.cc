#include "cli/crate/format_template.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace crate::cli {
namespace {

using ::testing::HasSubstr;

Json Row() {
  return Json{{"ID", "0123456789ab"},
              {"Names", "web"},
              {"Status", "Up 3 seconds"},
              {"State", Json{{"Status", "running"}, {"ExitCode", 0}}},
              {"Args", Json::array({"-c", "echo hi"})},
              {"Labels", Json{{"b", "2"}, {"a", "1"}}},
              {"Empty", nullptr}};
}

std::string Render(const std::string& text, bool strict = true) {
  absl::StatusOr<FormatTemplate> t = FormatTemplate::Parse(text, strict);
  if (!t.ok())
    return std::string("parse: ") + std::string(t.status().message());
  absl::StatusOr<std::string> out = t->Render(Row());
  if (!out.ok())
    return std::string("render: ") + std::string(out.status().message());
  return *out;
}

TEST(FormatTemplateTest, Fields) {
  EXPECT_EQ(Render("{{.Names}} {{.Status}}"), "web Up 3 seconds");
  EXPECT_EQ(Render("{{ .Names }}"), "web");
  EXPECT_EQ(Render("id={{.ID}}."), "id=0123456789ab.");
  EXPECT_EQ(Render("{{.State.Status}}/{{.State.ExitCode}}"), "running/0");
  EXPECT_EQ(Render("plain"), "plain");
}

TEST(FormatTemplateTest, GoPrintingOfListsAndMaps) {
  EXPECT_EQ(Render("{{.Args}}"), "[-c echo hi]");
  EXPECT_EQ(Render("{{.Labels}}"), "map[a:1 b:2]");
  EXPECT_EQ(Render("{{.Empty}}"), "<no value>");
}

TEST(FormatTemplateTest, Functions) {
  EXPECT_EQ(Render("{{json .Args}}"), "[\"-c\",\"echo hi\"]");
  EXPECT_EQ(Render("{{json .State}}"),
            "{\"Status\":\"running\",\"ExitCode\":0}");
  EXPECT_EQ(Render("{{join .Args \", \"}}"), "-c, echo hi");
  EXPECT_EQ(Render("{{upper .Names}} {{lower .Status}}"), "WEB up 3 seconds");
  EXPECT_THAT(Render("{{json .}}"), HasSubstr("\"Names\":\"web\""));
}

TEST(FormatTemplateTest, EscapesAndTrimming) {
  EXPECT_EQ(Render("{{.ID}}\\t{{.Names}}\\n"), "0123456789ab\tweb\n");
  EXPECT_EQ(Render("a  {{- .Names -}}  b"), "awebb");
}

TEST(FormatTemplateTest, UnknownFieldsStrictOrNot) {
  EXPECT_THAT(Render("{{.Nope}}"),
              HasSubstr("no field \"Nope\" (fields: ID, Names, Status"));
  EXPECT_EQ(Render("{{.Nope}}", /*strict=*/false), "<no value>");
  EXPECT_EQ(Render("{{.State.Nope.Deeper}}", /*strict=*/false), "<no value>");
}

TEST(FormatTemplateTest, BadTemplates) {
  EXPECT_THAT(Render("{{.Names"), HasSubstr("unclosed action"));
  EXPECT_THAT(Render("{{Names}}"), HasSubstr("fields start with a dot"));
  EXPECT_THAT(Render("{{printf \"%s\" .Names}}"),
              HasSubstr("is not supported"));
  EXPECT_THAT(Render("{{join .Args}}"), HasSubstr("is not supported"));
  EXPECT_THAT(Render("{{join .Names \",\"}}"), HasSubstr("join needs a list"));
  EXPECT_THAT(Render("{{json \"x}}"), HasSubstr("unterminated string"));
}

TEST(FormatTemplateTest, TableHeader) {
  absl::StatusOr<FormatTemplate> t =
      FormatTemplate::Parse("table {{.ID}}\t{{.Names}}\t{{.Other}}", true);
  ASSERT_TRUE(t.ok());
  EXPECT_TRUE(t->is_table());
  EXPECT_EQ(t->RenderHeader({{"ID", "CONTAINER ID"}}),
            "CONTAINER ID\tNAMES\tOTHER");
  absl::StatusOr<FormatTemplate> words =
      FormatTemplate::Parse("tables {{.ID}}", true);
  ASSERT_TRUE(words.ok());
  EXPECT_FALSE(words->is_table());
}

TEST(OutputKindTest, Kinds) {
  EXPECT_EQ(KindOf(""), OutputKind::kTable);
  EXPECT_EQ(KindOf("table"), OutputKind::kTable);
  EXPECT_EQ(KindOf("json"), OutputKind::kJson);
  EXPECT_EQ(KindOf("table {{.ID}}"), OutputKind::kTemplate);
  EXPECT_EQ(KindOf("{{.ID}}"), OutputKind::kTemplate);
}

}  // namespace
}  // namespace crate::cli
