#include "runtime/shim/cri_log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/base/file_util.h"
#include "runtime/base/status_matchers.h"
#include "runtime/shim/timestamp.h"

namespace crate::shim {
namespace {

using ::crate::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// A string literal with its NUL bytes.
template <size_t N>
std::string Bytes(const char (&literal)[N]) {
  return std::string(literal, N - 1);
}

const absl::Time kT0 = absl::FromUnixSeconds(1475713029);

absl::Time T(int i) { return kT0 + absl::Milliseconds(i); }

// "stdout text", "stderr text (partial)": enough to compare lines by.
std::string Describe(const CriRecord& r) {
  return absl::StrCat(StreamName(r.stream), " ", r.text,
                      r.partial ? " (partial)" : "");
}

class CriLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(dir_, MakeTempDir("cri_log_test"));
    path_ = JoinPath(dir_, "ctr.log");
  }
  void TearDown() override { ASSERT_OK(RemoveTree(dir_)); }

  CriLogWriter Open(int64_t max_bytes = 0) {
    auto w = CriLogWriter::Open(path_, max_bytes);
    EXPECT_OK(w);
    return std::move(w).value();
  }

  std::string File(const std::string& path) {
    auto text = ReadFile(path);
    return text.ok() ? *text : "<" + text.status().ToString() + ">";
  }

  // The file's lines without their timestamps.
  std::vector<std::string> Records(const std::string& path) {
    std::vector<std::string> out;
    for (absl::string_view line :
         absl::StrSplit(File(path), '\n', absl::SkipEmpty())) {
      out.emplace_back(line.substr(line.find(' ') + 1));
    }
    return out;
  }

  std::vector<CriRecord> Read(const CriLogReadOptions& options = {},
                              CriLogReadResult* result = nullptr) {
    std::vector<CriRecord> lines;
    auto r = ReadCriLog(path_, options, [&](const CriRecord& line) {
      lines.push_back(line);
      return absl::OkStatus();
    });
    EXPECT_OK(r);
    if (r.ok() && result != nullptr) *result = *r;
    return lines;
  }

  std::vector<std::string> ReadDescribed(const CriLogReadOptions& o = {},
                                         CriLogReadResult* result = nullptr) {
    std::vector<std::string> out;
    for (const CriRecord& r : Read(o, result)) out.push_back(Describe(r));
    return out;
  }

  std::vector<std::string> Poll(CriLogFollower* f) {
    std::vector<std::string> out;
    EXPECT_OK(f->Poll([&](const CriRecord& line) {
      out.push_back(Describe(line));
      return absl::OkStatus();
    }));
    return out;
  }

  void Append(const std::string& path, absl::string_view text) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::write(fd, text.data(), text.size()),
              static_cast<ssize_t>(text.size()));
    ::close(fd);
  }

  static void Write(CriLogWriter& w, Stream s, absl::string_view text,
                    absl::Time now = kT0) {
    ASSERT_OK(w.Write(s, text.data(), text.size(), now));
  }

  std::string dir_;
  std::string path_;
};

TEST_F(CriLogTest, WritesEachLineAsAFullRecord) {
  CriLogWriter w = Open();
  Write(w, Stream::kStdout, "hello\nworld\n",
        absl::FromUnixNanos(1475713029669794202));
  Write(w, Stream::kStderr, "oops\n", T(1));
  EXPECT_EQ(File(path_),
            "2016-10-06T00:17:09.669794202Z stdout F hello\n"
            "2016-10-06T00:17:09.669794202Z stdout F world\n"
            "2016-10-06T00:17:09.001000000Z stderr F oops\n");
  EXPECT_EQ(w.size(), static_cast<int64_t>(File(path_).size()));
}

TEST_F(CriLogTest, HoldsAnUnfinishedLineUntilItsNewline) {
  CriLogWriter w = Open();
  Write(w, Stream::kStdout, "hel");
  Write(w, Stream::kStderr, "err\n");
  Write(w, Stream::kStdout, "lo\nnext");
  EXPECT_THAT(Records(path_), ElementsAre("stderr F err", "stdout F hello"));
  Write(w, Stream::kStdout, "\n");
  EXPECT_THAT(Records(path_),
              ElementsAre("stderr F err", "stdout F hello", "stdout F next"));
}

TEST_F(CriLogTest, FlushWritesHeldBytesAsPartialRecordsOfTheirTime) {
  CriLogWriter w = Open();
  Write(w, Stream::kStdout, "Password: ", T(5));
  Write(w, Stream::kStderr, "warn", T(6));
  ASSERT_OK(w.Flush());
  EXPECT_EQ(File(path_),
            "2016-10-06T00:17:09.005000000Z stdout P Password: \n"
            "2016-10-06T00:17:09.006000000Z stderr P warn\n");
  ASSERT_OK(w.Flush());  // nothing held: nothing written
  Write(w, Stream::kStdout, "secret\n", T(7));
  EXPECT_THAT(
      Records(path_),
      ElementsAre("stdout P Password: ", "stderr P warn", "stdout F secret"));
  // The reader joins them again.
  EXPECT_THAT(ReadDescribed(),
              ElementsAre("stdout Password: secret", "stderr warn (partial)"));
}

TEST_F(CriLogTest, SplitsLongLinesAtSixteenKiB) {
  CriLogWriter w = Open();
  std::string exact(kMaxRecordText, 'a');
  std::string longer = std::string(2 * kMaxRecordText, 'b') + "tail";
  Write(w, Stream::kStdout, exact + "\n" + longer + "\n");
  auto records = Records(path_);
  ASSERT_EQ(records.size(), 4u);
  EXPECT_EQ(records[0], "stdout F " + exact);
  EXPECT_EQ(records[1], "stdout P " + std::string(kMaxRecordText, 'b'));
  EXPECT_EQ(records[2], "stdout P " + std::string(kMaxRecordText, 'b'));
  EXPECT_EQ(records[3], "stdout F tail");
  auto lines = Read();
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0].text, exact);
  EXPECT_EQ(lines[1].text, longer);
  EXPECT_FALSE(lines[1].partial);
}

TEST_F(CriLogTest, HoldsAtMostOneRecordOfAnUnfinishedLine) {
  CriLogWriter w = Open();
  std::string chunk(kMaxRecordText, 'x');
  Write(w, Stream::kStdout, chunk + chunk);
  // More than one record's worth held: the first 16 KiB go out at once.
  EXPECT_THAT(Records(path_), ElementsAre("stdout P " + chunk));
  Write(w, Stream::kStdout, "\n");
  auto records = Records(path_);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_TRUE(records[1] == "stdout F " + chunk);
  auto lines = Read();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].text.size(), 2 * kMaxRecordText);
  EXPECT_FALSE(lines[0].partial);
}

TEST_F(CriLogTest, ANewlineAfterAFlushIsAnEmptyFullRecord) {
  CriLogWriter w = Open();
  Write(w, Stream::kStdout, "abc");
  ASSERT_OK(w.Flush());
  Write(w, Stream::kStdout, "\n");
  EXPECT_THAT(Records(path_), ElementsAre("stdout P abc", "stdout F "));
  EXPECT_THAT(ReadDescribed(), ElementsAre("stdout abc"));
}

TEST_F(CriLogTest, CarriageReturnsAndBinaryBytesAreKeptAsWritten) {
  CriLogWriter w = Open();
  std::string binary;
  for (int c = 0; c < 256; ++c) {
    if (c != '\n') binary.push_back(static_cast<char>(c));
  }
  Write(w, Stream::kStdout, "dos\r\n\n10%\r50%\r100%\n");
  Write(w, Stream::kStderr, binary + "\n");
  auto lines = Read();
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0].text, "dos\r");
  EXPECT_EQ(lines[1].text, "");
  EXPECT_EQ(lines[2].text, "10%\r50%\r100%");
  EXPECT_EQ(lines[3].text, binary);
  EXPECT_EQ(lines[3].stream, Stream::kStderr);
}

TEST_F(CriLogTest, AppendsToAnExistingLog) {
  { Write(*std::make_unique<CriLogWriter>(Open()), Stream::kStdout, "one\n"); }
  CriLogWriter w = Open();
  EXPECT_EQ(w.size(), static_cast<int64_t>(File(path_).size()));
  Write(w, Stream::kStdout, "two\n");
  EXPECT_THAT(Records(path_), ElementsAre("stdout F one", "stdout F two"));
  struct stat st;
  ASSERT_EQ(stat(path_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0640u);
}

TEST_F(CriLogTest, OpenErrorsNameThePath) {
  std::string missing = JoinPath(dir_, "no/ctr.log");
  EXPECT_THAT(CriLogWriter::Open(missing, 0).status(),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr(missing)));
  ASSERT_OK(MakeDirs(JoinPath(dir_, "d")));
  EXPECT_THAT(CriLogWriter::Open(JoinPath(dir_, "d"), 0).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("/d")));
  ASSERT_EQ(symlink("/etc/passwd", JoinPath(dir_, "link").c_str()), 0);
  EXPECT_FALSE(CriLogWriter::Open(JoinPath(dir_, "link"), 0).ok());
}

TEST_F(CriLogTest, RotatesToOneOlderGenerationWithoutSplittingRecords) {
  // Each record is 46 bytes: "<30-byte time> stdout F lineN\n".
  CriLogWriter w = Open(100);
  Write(w, Stream::kStdout, "line1\nline2\n");
  EXPECT_FALSE(PathExists(path_ + ".1"));
  Write(w, Stream::kStdout, "line3\n");
  EXPECT_THAT(Records(path_ + ".1"),
              ElementsAre("stdout F line1", "stdout F line2"));
  EXPECT_THAT(Records(path_), ElementsAre("stdout F line3"));
  EXPECT_EQ(w.size(), 46);
  Write(w, Stream::kStdout, "line4\nline5\nline6\n");
  EXPECT_THAT(Records(path_ + ".1"),
              ElementsAre("stdout F line3", "stdout F line4"));
  EXPECT_THAT(Records(path_), ElementsAre("stdout F line5", "stdout F line6"));
  EXPECT_THAT(ReadDescribed(), ElementsAre("stdout line3", "stdout line4",
                                           "stdout line5", "stdout line6"));
}

TEST_F(CriLogTest, ARecordLargerThanTheLimitGetsAFileOfItsOwn) {
  CriLogWriter w = Open(50);
  Write(w, Stream::kStdout, "short\n" + std::string(100, 'x') + "\nafter\n");
  EXPECT_THAT(Records(path_ + ".1"),
              ElementsAre("stdout F " + std::string(100, 'x')));
  EXPECT_THAT(Records(path_), ElementsAre("stdout F after"));
}

TEST_F(CriLogTest, RotationWhenTheLogWasRemovedUnderneath) {
  CriLogWriter w = Open(100);
  Write(w, Stream::kStdout, "line1\nline2\n");
  ASSERT_EQ(unlink(path_.c_str()), 0);
  Write(w, Stream::kStdout, "line3\n");
  EXPECT_THAT(Records(path_), ElementsAre("stdout F line3"));
}

TEST_F(CriLogTest, ReaderSkipsAndCountsGarbage) {
  Append(path_, Bytes("2016-10-06T00:17:09.000000001Z stdout F one\n"
                      "garbage\n"
                      "\n"
                      "2016-10-06T00:17:09Z stdin F wrong stream\n"
                      "2016-10-06T00:17:09Z stdout X wrong tag\n"
                      "2016-10-06 00:17:09Z stdout F bad time\n"
                      "2016-10-06T00:17:09Z stdout\n"
                      "\x01\xff\x00\x7f binary\n"
                      "2016-10-06T00:17:09.5Z stderr P:extra two\n"
                      "2016-10-06T00:17:10+01:00 stderr F\n"
                      "2016-10-06T00:17:09.000000003Z stdout F three\r\n"));
  CriLogReadResult result;
  auto lines = Read({}, &result);
  EXPECT_EQ(result.skipped, 7);
  EXPECT_EQ(result.lines, 3);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(Describe(lines[0]), "stdout one");
  EXPECT_EQ(Describe(lines[1]), "stderr two");
  EXPECT_EQ(lines[1].time, absl::FromUnixSeconds(1475713030 - 3600));
  EXPECT_EQ(Describe(lines[2]), "stdout three\r");
}

TEST_F(CriLogTest, ReaderPassesOverHugeLinesWithoutHoldingThem) {
  std::string huge(3 << 20, 'g');
  Append(path_, "2016-10-06T00:17:09Z stdout F before\n" + huge +
                    "\n2016-10-06T00:17:09Z stdout F after\n");
  CriLogReadResult result;
  EXPECT_THAT(ReadDescribed({}, &result),
              ElementsAre("stdout before", "stdout after"));
  EXPECT_EQ(result.skipped, 1);
}

TEST_F(CriLogTest, ReaderGivesAnOverlongLogicalLineInBoundedPieces) {
  CriLogWriter w = Open();
  std::string big(kMaxLogicalLine + kMaxRecordText, 'z');
  Write(w, Stream::kStdout, big + "\n");
  auto lines = Read();
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_TRUE(lines[0].partial);
  EXPECT_EQ(lines[0].text.size(), kMaxLogicalLine);
  EXPECT_FALSE(lines[1].partial);
  EXPECT_EQ(lines[0].text + lines[1].text, big);
}

TEST_F(CriLogTest, ReaderLeavesATornLastLineForLater) {
  Append(path_, "2016-10-06T00:17:09Z stdout F one\n");
  int64_t whole = static_cast<int64_t>(File(path_).size());
  Append(path_, "2016-10-06T00:17:09Z stdout F tw");
  CriLogReadResult result;
  EXPECT_THAT(ReadDescribed({}, &result), ElementsAre("stdout one"));
  EXPECT_EQ(result.skipped, 0);
  EXPECT_EQ(result.end.offset, whole);
  struct stat st;
  ASSERT_EQ(stat(path_.c_str(), &st), 0);
  EXPECT_EQ(result.end.inode, st.st_ino);

  CriLogFollower follower(path_, result.end);
  EXPECT_THAT(Poll(&follower), IsEmpty());
  Append(path_, "o\n");
  EXPECT_THAT(Poll(&follower), ElementsAre("stdout two"));
  EXPECT_THAT(Poll(&follower), IsEmpty());
}

TEST_F(CriLogTest, SinceAndTail) {
  CriLogWriter w = Open();
  for (int i = 0; i < 10; ++i) {
    Write(w, i % 2 ? Stream::kStderr : Stream::kStdout, absl::StrCat(i, "\n"),
          T(i));
  }
  CriLogReadOptions options;
  options.since = T(7);
  EXPECT_THAT(ReadDescribed(options),
              ElementsAre("stderr 7", "stdout 8", "stderr 9"));
  options.since = absl::InfinitePast();
  options.tail = 2;
  EXPECT_THAT(ReadDescribed(options), ElementsAre("stdout 8", "stderr 9"));
  options.since = T(8);
  options.tail = 5;
  EXPECT_THAT(ReadDescribed(options), ElementsAre("stdout 8", "stderr 9"));
  options.tail = 0;
  CriLogReadResult result;
  EXPECT_THAT(ReadDescribed(options, &result), IsEmpty());
  EXPECT_EQ(result.lines, 0);
}

TEST_F(CriLogTest, TailCountsAnUnfinishedLine) {
  CriLogWriter w = Open();
  Write(w, Stream::kStdout, "a\nb\nprompt> ");
  ASSERT_OK(w.Flush());
  CriLogReadOptions options;
  options.tail = 2;
  EXPECT_THAT(ReadDescribed(options),
              ElementsAre("stdout b", "stdout prompt>  (partial)"));
}

TEST_F(CriLogTest, MissingLogReadsAsEmpty) {
  CriLogReadResult result;
  EXPECT_THAT(ReadDescribed({}, &result), IsEmpty());
  EXPECT_EQ(result.end.inode, 0u);
  EXPECT_EQ(result.end.offset, 0);
}

TEST_F(CriLogTest, CallbackErrorStopsTheRead) {
  CriLogWriter w = Open();
  Write(w, Stream::kStdout, "a\nb\nc\n");
  int calls = 0;
  auto result = ReadCriLog(path_, {}, [&](const CriRecord&) {
    ++calls;
    return absl::CancelledError("client gone");
  });
  EXPECT_THAT(result.status(),
              StatusIs(absl::StatusCode::kCancelled, HasSubstr("client gone")));
  EXPECT_EQ(calls, 1);
}

TEST_F(CriLogTest, RenderLogLine) {
  CriRecord line{absl::FromUnixNanos(1475713029669794202), Stream::kStdout,
                 "text", false};
  CriLogReadOptions options;
  EXPECT_EQ(RenderLogLine(line, options), "text\n");
  options.timestamps = true;
  EXPECT_EQ(RenderLogLine(line, options),
            "2016-10-06T00:17:09.669794202Z text\n");
  line.partial = true;
  EXPECT_EQ(RenderLogLine(line, options),
            "2016-10-06T00:17:09.669794202Z text");
}

TEST_F(CriLogTest, FollowerReadsAcrossRotationsNoLineTwiceOrLost) {
  CriLogWriter w = Open(200);
  Write(w, Stream::kStdout, "l0\n");
  CriLogReadResult result;
  EXPECT_THAT(ReadDescribed({}, &result), ElementsAre("stdout l0"));
  CriLogFollower follower(path_, result.end);

  std::vector<std::string> want, got;
  for (int i = 1; i < 40; ++i) {
    Write(w, Stream::kStdout, absl::StrCat("l", i, "\n"));
    want.push_back(absl::StrCat("stdout l", i));
    // Poll every few lines: some polls see one rotation, some none.
    if (i % 3 == 0) {
      for (auto& line : Poll(&follower)) got.push_back(line);
    }
  }
  for (auto& line : Poll(&follower)) got.push_back(line);
  EXPECT_EQ(got, want);
  EXPECT_EQ(follower.skipped(), 0);
}

TEST_F(CriLogTest, FollowerJoinsALineSplitByRotation) {
  CriLogWriter w = Open(120);
  Write(w, Stream::kStdout, "first\n");
  CriLogFollower follower(path_, {});
  EXPECT_THAT(Poll(&follower), ElementsAre("stdout first"));
  Write(w, Stream::kStdout, "begin-");
  ASSERT_OK(w.Flush());
  EXPECT_THAT(Poll(&follower), IsEmpty());
  Write(w, Stream::kStdout, std::string(60, 'm') + "-end\n");
  ASSERT_TRUE(PathExists(path_ + ".1"));
  EXPECT_THAT(Poll(&follower),
              ElementsAre("stdout begin-" + std::string(60, 'm') + "-end"));
}

TEST_F(CriLogTest, FollowerFromABareOffsetTakesAShorterFileAsRotated) {
  Append(path_ + ".1",
         "2016-10-06T00:17:09Z stdout F old1\n"
         "2016-10-06T00:17:09Z stdout F old2\n");
  Append(path_, "2016-10-06T00:17:09Z stdout F new\n");
  // An offset into the old generation, just after old1; no inode.
  CriLogFollower follower(path_, {0, 35});
  EXPECT_THAT(Poll(&follower), ElementsAre("stdout old2", "stdout new"));
  EXPECT_EQ(follower.position().offset, 34);  // the end of the new file
  EXPECT_NE(follower.position().inode, 0u);
}

TEST_F(CriLogTest, FollowerWaitsForALogThatIsNotThereYet) {
  CriLogFollower follower(path_, {});
  EXPECT_THAT(Poll(&follower), IsEmpty());
  CriLogWriter w = Open();
  Write(w, Stream::kStderr, "late\n");
  EXPECT_THAT(Poll(&follower), ElementsAre("stderr late"));
}

TEST_F(CriLogTest, FollowerBetweenRenameAndNewFile) {
  CriLogWriter w = Open();
  Write(w, Stream::kStdout, "a\n");
  CriLogFollower follower(path_, {});
  EXPECT_THAT(Poll(&follower), ElementsAre("stdout a"));
  Write(w, Stream::kStdout, "b\n");
  // What a rotation leaves for an instant: the old file renamed, no new.
  ASSERT_EQ(rename(path_.c_str(), (path_ + ".1").c_str()), 0);
  EXPECT_THAT(Poll(&follower), ElementsAre("stdout b"));
  Append(path_, "2016-10-06T00:17:09Z stdout F c\n");
  EXPECT_THAT(Poll(&follower), ElementsAre("stdout c"));
}

TEST_F(CriLogTest, FollowerRestartsAfterTruncationInPlace) {
  Append(path_, "2016-10-06T00:17:09Z stdout F aaaaaaaaaa\n");
  CriLogFollower follower(path_, {});
  EXPECT_THAT(Poll(&follower), ElementsAre("stdout aaaaaaaaaa"));
  ASSERT_EQ(truncate(path_.c_str(), 0), 0);
  Append(path_, "2016-10-06T00:17:09Z stdout F b\n");
  EXPECT_THAT(Poll(&follower), ElementsAre("stdout b"));
}

TEST_F(CriLogTest, FollowerPassesOverAHugeLineWrittenInPieces) {
  CriLogFollower follower(path_, {});
  std::string piece(700 * 1024, 'g');
  Append(path_, piece);
  EXPECT_THAT(Poll(&follower), IsEmpty());
  Append(path_, piece);  // now longer than any record
  EXPECT_THAT(Poll(&follower), IsEmpty());
  EXPECT_GT(follower.position().offset, 1 << 20);
  Append(path_, piece + "\n2016-10-06T00:17:09Z stdout F ok\n");
  EXPECT_THAT(Poll(&follower), ElementsAre("stdout ok"));
  EXPECT_EQ(follower.skipped(), 1);
}

TEST_F(CriLogTest, FollowerFinishGivesUnfinishedLines) {
  CriLogWriter w = Open();
  Write(w, Stream::kStdout, "no newline");
  ASSERT_OK(w.Flush());
  CriLogFollower follower(path_, {});
  EXPECT_THAT(Poll(&follower), IsEmpty());
  std::vector<std::string> got;
  ASSERT_OK(follower.Finish([&](const CriRecord& line) {
    got.push_back(Describe(line));
    return absl::OkStatus();
  }));
  EXPECT_THAT(got, ElementsAre("stdout no newline (partial)"));
}

TEST(CriRecordTest, ParseAndFormatRoundTrip) {
  CriRecord r{absl::FromUnixNanos(1475713029669794202), Stream::kStderr,
              Bytes("a\0b \tc"), true};
  std::string line = FormatCriRecord(r);
  EXPECT_EQ(line, Bytes("2016-10-06T00:17:09.669794202Z stderr P a\0b \tc\n"));
  CriRecord back;
  ASSERT_TRUE(ParseCriRecord(absl::string_view(line).substr(0, line.size() - 1),
                             &back));
  EXPECT_EQ(back.time, r.time);
  EXPECT_EQ(back.stream, r.stream);
  EXPECT_EQ(back.text, r.text);
  EXPECT_TRUE(back.partial);
}

}  // namespace
}  // namespace crate::shim
