#include "registry/distribution/tee_stream.h"

#include <string>
#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/base/status_matchers.h"

namespace crate::registry {
namespace {

using ::crate::testing::StatusIs;

std::string ReadAll(TeeStream& tee, absl::Status* error) {
  std::string out;
  char buf[7];
  while (true) {
    absl::StatusOr<size_t> n = tee.Read(buf, sizeof(buf));
    if (!n.ok()) {
      *error = n.status();
      return out;
    }
    if (*n == 0) return out;
    out.append(buf, *n);
  }
}

TEST(TeeStreamTest, ReaderSeesWhatThePrimaryGets) {
  StringSink primary;
  TeeStream tee(&primary, /*max_buffered=*/16);
  std::string want;
  for (int i = 0; i < 100; ++i) want += "chunk " + std::to_string(i) + ";";
  std::thread writer([&] {
    for (size_t i = 0; i < want.size(); i += 10) {
      EXPECT_OK(tee.Write(absl::string_view(want).substr(i, 10)));
    }
    tee.Finish(absl::OkStatus());
  });
  absl::Status error;
  std::string got = ReadAll(tee, &error);
  writer.join();
  EXPECT_OK(error);
  EXPECT_EQ(got, want);
  EXPECT_EQ(primary.data(), want);
  EXPECT_EQ(tee.Offset(), want.size());
}

TEST(TeeStreamTest, DownloadErrorReachesTheReader) {
  StringSink primary;
  TeeStream tee(&primary);
  ASSERT_OK(tee.Write("abc"));
  tee.Finish(absl::UnavailableError("connection reset"));
  absl::Status error;
  EXPECT_EQ(ReadAll(tee, &error), "abc");
  EXPECT_THAT(error, StatusIs(absl::StatusCode::kUnavailable,
                              ::testing::HasSubstr("connection reset")));
}

TEST(TeeStreamTest, ResetAfterDeliveryFailsTheReader) {
  StringSink primary;
  TeeStream tee(&primary);
  ASSERT_OK(tee.Write("abc"));
  char buf[8];
  ASSERT_OK(tee.Read(buf, sizeof(buf)).status());
  ASSERT_OK(tee.Reset());
  EXPECT_EQ(primary.Offset(), 0u);
  absl::StatusOr<size_t> n = tee.Read(buf, sizeof(buf));
  EXPECT_TRUE(TeeStream::IsRestart(n.status())) << n.status();
  // The primary still gets the whole blob.
  ASSERT_OK(tee.Write("abcdef"));
  EXPECT_EQ(primary.data(), "abcdef");
}

TEST(TeeStreamTest, ResetBeforeDeliveryIsInvisible) {
  StringSink primary;
  TeeStream tee(&primary);
  ASSERT_OK(tee.Write("abc"));
  ASSERT_OK(tee.Reset());
  ASSERT_OK(tee.Write("xyz"));
  tee.Finish(absl::OkStatus());
  absl::Status error;
  EXPECT_EQ(ReadAll(tee, &error), "xyz");
  EXPECT_OK(error);
}

TEST(TeeStreamTest, ClosedReaderDoesNotBlockTheWriter) {
  StringSink primary;
  TeeStream tee(&primary, /*max_buffered=*/4);
  tee.CloseReader();
  for (int i = 0; i < 100; ++i) ASSERT_OK(tee.Write("0123456789"));
  EXPECT_EQ(primary.Offset(), 1000u);
}

}  // namespace
}  // namespace crate::registry
