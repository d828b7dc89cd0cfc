#include "cli/crate/row_output.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace crate::cli {
namespace {

const std::map<std::string, std::string> kHeaders = {{"ID", "CONTAINER ID"},
                                                     {"Names", "NAMES"}};
constexpr char kDefault[] = "table {{.ID}}\t{{.Names}}";

std::vector<Json> Rows() {
  return {Json{{"ID", "aaaaaaaaaaaa"}, {"Names", "web"}},
          Json{{"ID", "bbbbbbbbbbbb"}, {"Names", "db"}}};
}

TEST(RenderRowsTest, DefaultTable) {
  EXPECT_EQ(*RenderRows(Rows(), "", kDefault, kHeaders),
            "CONTAINER ID   NAMES\n"
            "aaaaaaaaaaaa   web\n"
            "bbbbbbbbbbbb   db\n");
  EXPECT_EQ(*RenderRows(Rows(), "table", kDefault, kHeaders),
            *RenderRows(Rows(), "", kDefault, kHeaders));
}

TEST(RenderRowsTest, EmptyListStillHasItsHeader) {
  EXPECT_EQ(*RenderRows({}, "", kDefault, kHeaders), "CONTAINER ID   NAMES\n");
}

TEST(RenderRowsTest, JsonLines) {
  EXPECT_EQ(*RenderRows(Rows(), "json", kDefault, kHeaders),
            "{\"ID\":\"aaaaaaaaaaaa\",\"Names\":\"web\"}\n"
            "{\"ID\":\"bbbbbbbbbbbb\",\"Names\":\"db\"}\n");
}

TEST(RenderRowsTest, TemplatePerRow) {
  EXPECT_EQ(*RenderRows(Rows(), "{{.Names}}", kDefault, kHeaders), "web\ndb\n");
  EXPECT_EQ(
      *RenderRows(Rows(), "table {{.Names}}\\t{{.ID}}", kDefault, kHeaders),
      "NAMES     CONTAINER ID\n"
      "web       aaaaaaaaaaaa\n"
      "db        bbbbbbbbbbbb\n");
}

TEST(RenderRowsTest, UnknownFieldIsAnError) {
  absl::StatusOr<std::string> out =
      RenderRows(Rows(), "{{.Nope}}", kDefault, kHeaders);
  ASSERT_FALSE(out.ok());
  EXPECT_THAT(std::string(out.status().message()),
              ::testing::HasSubstr("Nope"));
}

}  // namespace
}  // namespace crate::cli
