#include "cli/crate/pull_progress.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace crate::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kLayer[] =
    "sha256:9b107dd1bc2a0000000000000000000000000000000000000000000000000000";

crate::v1::PullImageProgress Message(crate::v1::LayerProgress::State state,
                                     uint64_t done, uint64_t total) {
  crate::v1::PullImageProgress p;
  p.set_reference("docker.io/library/busybox:latest");
  crate::v1::LayerProgress* l = p.add_layers();
  l->set_digest(kLayer);
  l->set_state(state);
  l->set_bytes_done(done);
  l->set_bytes_total(total);
  return p;
}

crate::v1::PullImageProgress Last(const std::string& id) {
  crate::v1::PullImageProgress p =
      Message(crate::v1::LayerProgress::DONE, 2000000, 2000000);
  p.mutable_image()->set_id(id);
  p.mutable_image()->add_digests("docker.io/library/busybox@sha256:e740");
  return p;
}

std::string Show(const std::string& requested, const std::string& previous_id,
                 PullDisplay display) {
  std::string out;
  PullPrinter printer(
      requested, previous_id, display,
      [&out](absl::string_view s) { out.append(s.data(), s.size()); });
  printer.Update(Message(crate::v1::LayerProgress::DOWNLOADING, 0, 2000000));
  printer.Update(
      Message(crate::v1::LayerProgress::DOWNLOADING, 1000000, 2000000));
  printer.Update(
      Message(crate::v1::LayerProgress::DOWNLOADING, 2000000, 2000000));
  printer.Update(Message(crate::v1::LayerProgress::DONE, 2000000, 2000000));
  printer.Update(Last("sha256:new"));
  return out;
}

TEST(PullPrinterTest, PlainLinesAsDockerPrintsThemWithoutATerminal) {
  EXPECT_EQ(Show("busybox", "", PullDisplay()),
            "Using default tag: latest\n"
            "latest: Pulling from library/busybox\n"
            "9b107dd1bc2a: Pulling fs layer\n"
            "9b107dd1bc2a: Download complete\n"
            "9b107dd1bc2a: Pull complete\n"
            "Digest: sha256:e740\n"
            "Status: Downloaded newer image for busybox:latest\n"
            "docker.io/library/busybox:latest\n");
}

TEST(PullPrinterTest, SameImageIsUpToDate) {
  EXPECT_THAT(
      Show("busybox:latest", "sha256:new", PullDisplay()),
      AllOf(HasSubstr("Status: Image is up to date for busybox:latest\n"),
            Not(HasSubstr("Using default tag"))));
}

TEST(PullPrinterTest, QuietPrintsTheReferenceOnly) {
  PullDisplay quiet;
  quiet.quiet = true;
  EXPECT_EQ(Show("busybox", "", quiet), "docker.io/library/busybox:latest\n");
  quiet.print_reference = false;
  EXPECT_EQ(Show("busybox", "", quiet), "");
}

TEST(PullPrinterTest, TerminalRedrawsTheBlockInPlace) {
  PullDisplay terminal;
  terminal.terminal = true;
  std::string out = Show("busybox", "", terminal);
  EXPECT_THAT(
      out,
      HasSubstr(
          "\r\x1b[2K9b107dd1bc2a: Downloading [=========================>"));
  EXPECT_THAT(out, HasSubstr("1MB/2MB\n"));
  // Every redraw after the first goes back up over the one layer line.
  EXPECT_THAT(out, HasSubstr("\x1b[1A\r\x1b[2K9b107dd1bc2a: Pull complete\n"));
}

TEST(ProgressBarTest, Bar) {
  EXPECT_EQ(ProgressBar(0, 100),
            "[>                                                 ] 0B/100B");
  EXPECT_EQ(ProgressBar(100, 100),
            "[==================================================] 100B/100B");
  EXPECT_EQ(ProgressBar(5, 0), "5B");
}

}  // namespace
}  // namespace crate::cli
