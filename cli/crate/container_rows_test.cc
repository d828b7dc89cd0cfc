#include "cli/crate/container_rows.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace crate::cli {
namespace {

const absl::Time kNow = absl::FromUnixSeconds(1704207845);

int64_t Ago(absl::Duration d) { return absl::ToUnixNanos(kNow - d); }

crate::v1::ContainerSummary Running() {
  crate::v1::ContainerSummary c;
  c.set_id("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
  c.set_name("web");
  c.set_image("docker.io/library/busybox:latest");
  c.add_command("sh");
  c.add_command("-c");
  c.add_command("while true; do sleep 1; done");
  c.set_created_unix_nanos(Ago(absl::Minutes(5)));
  c.set_started_unix_nanos(Ago(absl::Seconds(3)));
  c.set_status(crate::v1::RUNNING);
  (*c.mutable_labels())["b"] = "2";
  (*c.mutable_labels())["a"] = "1";
  return c;
}

TEST(StatusTextTest, DockersWords) {
  crate::v1::ContainerSummary c = Running();
  EXPECT_EQ(StatusText(c, kNow), "Up 3 seconds");
  c.set_status(crate::v1::EXITED);
  c.set_exit_code(3);
  c.set_finished_unix_nanos(Ago(absl::Minutes(2)));
  EXPECT_EQ(StatusText(c, kNow), "Exited (3) 2 minutes ago");
  c.set_status(crate::v1::CREATED);
  EXPECT_EQ(StatusText(c, kNow), "Created");
  c.set_status(crate::v1::REMOVING);
  EXPECT_EQ(StatusText(c, kNow), "Removal In Progress");
  EXPECT_EQ(StateName(crate::v1::EXITED), "exited");
}

TEST(GoQuoteTest, EscapesAsStrconvQuote) {
  EXPECT_EQ(GoQuote("sh -c 'echo \"hi\"'"), "\"sh -c 'echo \\\"hi\\\"'\"");
  EXPECT_EQ(GoQuote("a\tb\nc\\"), "\"a\\tb\\nc\\\\\"");
  EXPECT_EQ(GoQuote(std::string("\x01", 1)), "\"\\x01\"");
}

TEST(ContainerRowTest, TruncatedAsTheTable) {
  Json row = ContainerRow(Running(), kNow, /*trunc=*/true);
  EXPECT_EQ(row["ID"], "0123456789ab");
  EXPECT_EQ(row["Image"], "busybox:latest");
  EXPECT_EQ(row["Command"], "\"sh -c while true; d…\"");
  EXPECT_EQ(row["RunningFor"], "5 minutes ago");
  EXPECT_EQ(row["Status"], "Up 3 seconds");
  EXPECT_EQ(row["State"], "running");
  EXPECT_EQ(row["Names"], "web");
  EXPECT_EQ(row["Labels"], "a=1,b=2");
  EXPECT_EQ(row["Ports"], "");
}

TEST(ContainerRowTest, NoTrunc) {
  Json row = ContainerRow(Running(), kNow, /*trunc=*/false);
  EXPECT_EQ(row["ID"].get<std::string>().size(), 64u);
  EXPECT_EQ(row["Command"], "\"sh -c while true; do sleep 1; done\"");
}

TEST(ContainerRowTest, HeadersCoverEveryField) {
  Json row = ContainerRow(Running(), kNow, true);
  for (const auto& item : row.items()) {
    EXPECT_TRUE(ContainerHeaders().count(item.key())) << item.key();
  }
}

}  // namespace
}  // namespace crate::cli
