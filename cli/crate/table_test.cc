#include "cli/crate/table.h"

#include "gtest/gtest.h"

namespace crate::cli {
namespace {

TEST(TableTest, ColumnsAsGoTabwriterPadsThem) {
  Table t;
  t.AddRow({"CONTAINER ID", "IMAGE", "NAMES"});
  t.AddRow({"0123456789ab", "busybox:latest", "web"});
  // Minimum width 10, padding 3, the last cell unpadded.
  EXPECT_EQ(t.Render(),
            "CONTAINER ID   IMAGE            NAMES\n"
            "0123456789ab   busybox:latest   web\n");
}

TEST(TableTest, ShortAndEmptyColumnsTakeTheMinimumWidth) {
  Table t;
  t.AddRow({"STATUS", "PORTS", "NAMES"});
  t.AddRow({"Created", "", "a"});
  EXPECT_EQ(t.Render(),
            "STATUS    PORTS     NAMES\n"
            "Created             a\n");
}

TEST(TableTest, TabSeparatedLines) {
  Table t;
  t.AddTabSeparated("A\tB\n");
  t.AddTabSeparated("long value\tx");
  EXPECT_EQ(t.Render(), "A            B\nlong value   x\n");
}

TEST(TableTest, WidthCountsCodePoints) {
  EXPECT_EQ(DisplayWidth("ab…"), 3u);
  Table t;
  t.AddRow({"\"sleep 1…\"", "x"});
  t.AddRow({"abc", "y"});
  EXPECT_EQ(t.Render(), "\"sleep 1…\"   x\nabc          y\n");
}

TEST(EllipsisTest, CutsToWidth) {
  EXPECT_EQ(Ellipsis("short", 20), "short");
  EXPECT_EQ(Ellipsis("sh -c 'while true; do sleep 1; done'", 20),
            "sh -c 'while true; …");
  EXPECT_EQ(DisplayWidth(Ellipsis("sh -c 'while true; do sleep 1; done'", 20)),
            20u);
  EXPECT_EQ(Ellipsis("abc", 0), "");
}

}  // namespace
}  // namespace crate::cli
