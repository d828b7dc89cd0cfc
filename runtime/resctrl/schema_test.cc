#include "runtime/resctrl/schema.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/base/status_matchers.h"

namespace crate::resctrl {
namespace {

using ::crate::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

TEST(SchemaTest, ParsesAndNormalisesMasks) {
  ASSERT_OK_AND_ASSIGN(SchemaLine l, ParseSchemaLine("  L3:0=00F0; 1 = 1f "));
  EXPECT_EQ(l.resource, "L3");
  EXPECT_THAT(l.domains, ElementsAre(Pair(0u, "f0"), Pair(1u, "1f")));
  ASSERT_OK_AND_ASSIGN(SchemaLine mb, ParseSchemaLine("MB:0=20;1=070"));
  EXPECT_THAT(mb.domains, ElementsAre(Pair(0u, "20"), Pair(1u, "70")));
}

TEST(SchemaTest, RefusesMalformedLines) {
  struct Case {
    const char* line;
    const char* message;
  } cases[] = {
      {"L3", "is not <RESOURCE>:<id>=<value>"},
      {"l3:0=f", "resource name \"l3\""},
      {"L3:", "sets no domain"},
      {"L3:x=f", "domain \"x=f\" does not start with a decimal cache id"},
      {"L3:0", "domain 0 has no value"},
      {"L3:0=", "domain 0 has no value"},
      {"L3:0=fg", "mask \"fg\" is not a hexadecimal"},
      {"L3:0=-f", "mask \"-f\" is not a hexadecimal"},
      {"L3:0=f;0=ff", "domain 0 is given twice"},
      {"MB:0=fast", "value \"fast\" is not a decimal"},
      {"MB:0=-1", "value \"-1\" is not a decimal"},
  };
  for (const Case& c : cases) {
    EXPECT_THAT(
        ParseSchemaLine(c.line),
        StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(c.message)))
        << c.line;
  }
}

TEST(SchemaTest, SchemataSkipsBlankLines) {
  ASSERT_OK_AND_ASSIGN(std::vector<SchemaLine> lines,
                       ParseSchemata("\nL3CODE:0=f\n  \nL3DATA:0=f0\n"));
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0].resource, "L3CODE");
  EXPECT_EQ(lines[1].resource, "L3DATA");
}

TEST(SchemaTest, SatisfyComparesOnlyWhatIsAskedFor) {
  ASSERT_OK_AND_ASSIGN(
      std::vector<SchemaLine> have,
      ParseSchemata("    L3:0=000f0;1=fffff\n    MB:0=100;1=100\n"));
  ASSERT_OK_AND_ASSIGN(std::vector<SchemaLine> same, ParseSchemata("L3:0=f0"));
  EXPECT_TRUE(SchemataSatisfy(have, same));
  ASSERT_OK_AND_ASSIGN(std::vector<SchemaLine> other,
                       ParseSchemata("L3:0=f0\nMB:1=50"));
  EXPECT_FALSE(SchemataSatisfy(have, other));
  ASSERT_OK_AND_ASSIGN(std::vector<SchemaLine> domain,
                       ParseSchemata("L3:2=f0"));
  EXPECT_FALSE(SchemataSatisfy(have, domain));
  ASSERT_OK_AND_ASSIGN(std::vector<SchemaLine> missing,
                       ParseSchemata("L2:0=f"));
  EXPECT_FALSE(SchemataSatisfy(have, missing));
}

TEST(SchemaTest, LinesFor) {
  const char* text = "    L3CODE:0=f\n    L3DATA:0=f0\n      MB:0=100\n";
  EXPECT_EQ(LinesFor(text, "L3"), "L3CODE:0=f\nL3DATA:0=f0");
  EXPECT_EQ(LinesFor(text, "MB"), "MB:0=100");
  EXPECT_EQ(LinesFor(text, "L2"), "");
}

}  // namespace
}  // namespace crate::resctrl
