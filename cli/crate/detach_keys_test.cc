#include "cli/crate/detach_keys.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace crate::cli {
namespace {

using ::testing::HasSubstr;

TEST(ParseDetachKeysTest, DockersForms) {
  EXPECT_EQ(*ParseDetachKeys("ctrl-p,ctrl-q"), "\x10\x11");
  EXPECT_EQ(*ParseDetachKeys("ctrl-a"), "\x01");
  EXPECT_EQ(*ParseDetachKeys("ctrl-z"), "\x1a");
  EXPECT_EQ(*ParseDetachKeys("ctrl-@"), std::string(1, '\0'));
  EXPECT_EQ(*ParseDetachKeys("ctrl-[,ctrl-\\,ctrl-],ctrl-^,ctrl-_"),
            "\x1b\x1c\x1d\x1e\x1f");
  EXPECT_EQ(*ParseDetachKeys("a,b,ctrl-c"), "ab\x03");
  EXPECT_EQ(*ParseDetachKeys(""), "");
}

TEST(ParseDetachKeysTest, Refusals) {
  for (const char* bad : {"ctrl-", "ctrl-A", "ctrl-1", "ctrl-pp", "ab",
                          "ctrl-p,,ctrl-q", "shift-a", "ctrl-p,"}) {
    absl::StatusOr<std::string> k = ParseDetachKeys(bad);
    EXPECT_FALSE(k.ok()) << bad;
    EXPECT_THAT(std::string(k.status().message()),
                HasSubstr("invalid detach keys"))
        << bad;
  }
}

// Feeds `in` one byte at a time, and whole: both must agree.
std::pair<std::string, bool> FeedAll(const std::string& keys,
                                     const std::string& in) {
  DetachScanner whole(keys);
  std::string out_whole;
  bool detached_whole = whole.Feed(in, &out_whole);
  DetachScanner bytes(keys);
  std::string out_bytes;
  bool detached_bytes = false;
  for (char c : in) {
    if (bytes.Feed(std::string(1, c), &out_bytes)) {
      detached_bytes = true;
      break;
    }
  }
  EXPECT_EQ(out_whole, out_bytes) << in;
  EXPECT_EQ(detached_whole, detached_bytes) << in;
  return {out_whole, detached_whole};
}

TEST(DetachScannerTest, PassesOtherInputWhole) {
  auto [out, detached] = FeedAll("\x10\x11", "ls -l\r");
  EXPECT_EQ(out, "ls -l\r");
  EXPECT_FALSE(detached);
}

TEST(DetachScannerTest, DetachesOnTheSequenceWhichIsNotSent) {
  auto [out, detached] = FeedAll("\x10\x11",
                                 "echo\x10\x11"
                                 "after");
  EXPECT_EQ(out, "echo");
  EXPECT_TRUE(detached);
}

TEST(DetachScannerTest, AHalfSequenceIsHeldThenSent) {
  DetachScanner s("\x10\x11");
  std::string out;
  EXPECT_FALSE(s.Feed("a\x10", &out));
  EXPECT_EQ(out, "a");  // ctrl-p held: it may begin the sequence
  EXPECT_FALSE(s.Feed("b", &out));
  EXPECT_EQ(out,
            "a\x10"
            "b");
}

TEST(DetachScannerTest, RepeatedFirstKeyStillDetaches) {
  auto [out, detached] = FeedAll("\x10\x11", "\x10\x10\x11");
  EXPECT_EQ(out, "\x10");
  EXPECT_TRUE(detached);
}

TEST(DetachScannerTest, OverlappingSequence) {
  // "aab" typed as "aaab": the first a goes out, then the sequence.
  auto [out, detached] = FeedAll("aab", "xaaab");
  EXPECT_EQ(out, "xa");
  EXPECT_TRUE(detached);
  auto [out2, detached2] = FeedAll("aab", "aaxaab");
  EXPECT_EQ(out2, "aax");
  EXPECT_TRUE(detached2);
}

TEST(DetachScannerTest, NoKeysNeverDetaches) {
  auto [out, detached] = FeedAll("", std::string("\x10\x11\0z", 4));
  EXPECT_EQ(out, std::string("\x10\x11\0z", 4));
  EXPECT_FALSE(detached);
}

}  // namespace
}  // namespace crate::cli
