#include "cli/crate/prompt.h"

#include <cstring>
#include <string>

#include "gtest/gtest.h"

namespace crate::cli {
namespace {

// The answer given on stdin, and what the prompt printed.
bool Ask(const std::string& input, std::string* printed) {
  std::string in_buf = input;
  std::FILE* in = input.empty() ? std::fopen("/dev/null", "r")
                                : fmemopen(in_buf.data(), in_buf.size(), "r");
  char out_buf[512] = {};
  std::FILE* out = fmemopen(out_buf, sizeof(out_buf) - 1, "w");
  bool yes = Confirm(in, out, "Are you sure?");
  std::fclose(out);
  std::fclose(in);
  *printed = out_buf;
  return yes;
}

TEST(PromptTest, OnlyYIsYes) {
  std::string printed;
  EXPECT_TRUE(Ask("y\n", &printed));
  EXPECT_EQ(printed, "Are you sure? [y/N] ");
  EXPECT_TRUE(Ask("  Y  \n", &printed));
  EXPECT_FALSE(Ask("yes\n", &printed));  // as docker: only y
  EXPECT_FALSE(Ask("n\n", &printed));
  EXPECT_FALSE(Ask("\n", &printed));
}

TEST(PromptTest, EndOfInputIsNo) {
  std::string printed;
  EXPECT_FALSE(Ask("", &printed));
  EXPECT_EQ(printed, "Are you sure? [y/N] \n");
}

}  // namespace
}  // namespace crate::cli
