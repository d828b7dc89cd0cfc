#include "cli/crate/confirm.h"

#include <cstdio>
#include <string>

#include "gtest/gtest.h"

namespace crate::cli {
namespace {

// Confirm with `input` as stdin; `shown` gets what it printed.
bool Ask(const std::string& input, std::string* shown) {
  std::FILE* in = std::tmpfile();
  std::FILE* out = std::tmpfile();
  std::fwrite(input.data(), 1, input.size(), in);
  std::rewind(in);
  bool yes =
      Confirm("WARNING! This will remove all stopped containers.", in, out);
  std::rewind(out);
  shown->clear();
  for (int c = std::fgetc(out); c != EOF; c = std::fgetc(out)) {
    shown->push_back(static_cast<char>(c));
  }
  std::fclose(in);
  std::fclose(out);
  return yes;
}

TEST(ConfirmTest, ShowsDockersPrompt) {
  std::string shown;
  Ask("y\n", &shown);
  EXPECT_EQ(shown,
            "WARNING! This will remove all stopped containers.\n"
            "Are you sure you want to continue? [y/N] ");
}

TEST(ConfirmTest, OnlyYesGoesOn) {
  std::string shown;
  EXPECT_TRUE(Ask("y\n", &shown));
  EXPECT_TRUE(Ask("Y", &shown));
  EXPECT_TRUE(Ask("  y \r\n", &shown));
  EXPECT_FALSE(Ask("yes\n", &shown));
  EXPECT_FALSE(Ask("n\n", &shown));
  EXPECT_FALSE(Ask("\ny\n", &shown));  // the first line is the answer
  EXPECT_FALSE(Ask("", &shown));       // end of input
}

TEST(ConfirmTest, IsYes) {
  EXPECT_TRUE(IsYes("y"));
  EXPECT_TRUE(IsYes("\tY "));
  EXPECT_FALSE(IsYes("yy"));
  EXPECT_FALSE(IsYes(""));
}

}  // namespace
}  // namespace crate::cli
