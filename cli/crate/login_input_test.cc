#include "cli/crate/login_input.h"

#include <cstdio>
#include <string>

#include "gtest/gtest.h"

namespace crate::cli {
namespace {

std::string FromStdin(const std::string& input, size_t max = 64 << 10) {
  std::FILE* f = std::tmpfile();
  std::fwrite(input.data(), 1, input.size(), f);
  std::rewind(f);
  absl::StatusOr<std::string> got = ReadPasswordStdin(f, max);
  std::fclose(f);
  return got.ok() ? *got
                  : "<error: " + std::string(got.status().message()) + ">";
}

TEST(ReadPasswordStdinTest, TrimsOneLineEndingAsDockerDoes) {
  EXPECT_EQ(FromStdin("secret\n"), "secret");
  EXPECT_EQ(FromStdin("secret\r\n"), "secret");
  EXPECT_EQ(FromStdin("secret"), "secret");
  EXPECT_EQ(FromStdin("secret\n\n"), "secret\n");
  EXPECT_EQ(FromStdin("two\nlines\n"), "two\nlines");
  EXPECT_EQ(FromStdin(" spaced \n"), " spaced ");
  EXPECT_EQ(FromStdin("p\xC3\xA4ss\xE2\x9C\x93\n"), "p\xC3\xA4ss\xE2\x9C\x93");
  EXPECT_EQ(FromStdin(std::string("nul\0byte", 8)),
            std::string("nul\0byte", 8));
  EXPECT_EQ(FromStdin(""), "");
}

TEST(ReadPasswordStdinTest, RefusesWhatIsTooLong) {
  std::string got = FromStdin(std::string(100, 'x'), 10);
  EXPECT_NE(got.find("longer than 10 bytes"), std::string::npos) << got;
}

TEST(RegistryDisplayNameTest, DockersNames) {
  EXPECT_EQ(RegistryDisplayName(""), "https://index.docker.io/v1/");
  EXPECT_EQ(RegistryDisplayName("127.0.0.1:5000"), "127.0.0.1:5000");
  EXPECT_EQ(RegistryDisplayName("https://127.0.0.1:5000/v2/"),
            "127.0.0.1:5000");
  EXPECT_EQ(RegistryDisplayName("http://registry.lan/a/b"), "registry.lan");
  EXPECT_EQ(RegistryDisplayName("docker.io"), "docker.io");
}

TEST(PromptLineTest, ReadsOneLineFromAFile) {
  std::FILE* in = std::tmpfile();
  std::FILE* out = std::tmpfile();
  std::fputs("me\nsecond\n", in);
  std::rewind(in);
  absl::StatusOr<std::string> got = PromptLine("Username: ", false, in, out);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(*got, "me");
  got = PromptLine("Password: ", true, in, out);  // not a terminal: no echo
  ASSERT_TRUE(got.ok());                          // to turn off
  EXPECT_EQ(*got, "second");
  EXPECT_FALSE(PromptLine("Again: ", false, in, out).ok());
  std::fclose(in);
  std::fclose(out);
}

}  // namespace
}  // namespace crate::cli
