#include "cli/crate/client.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace crate::cli {
namespace {

using ::testing::ElementsAre;

TEST(StartOptionsForTest, RunDirBesideTheSocket) {
  StartOptions o = StartOptionsFor("/run/crate/crate.sock", nullptr, nullptr);
  EXPECT_EQ(o.socket_path, "/run/crate/crate.sock");
  EXPECT_THAT(o.crated_args, ElementsAre("--run-dir", "/run/crate", "--socket",
                                         "/run/crate/crate.sock"));
}

TEST(StartOptionsForTest, RootAndExtraFlagsFromTheEnvironment) {
  StartOptions o = StartOptionsFor("/tmp/t/run/crate.sock", "/tmp/t/root",
                                   " --idle-timeout 1  --x ");
  EXPECT_THAT(o.crated_args,
              ElementsAre("--run-dir", "/tmp/t/run", "--socket",
                          "/tmp/t/run/crate.sock", "--root", "/tmp/t/root",
                          "--idle-timeout", "1", "--x"));
  o = StartOptionsFor("/tmp/t/run/crate.sock", "", "");
  EXPECT_EQ(o.crated_args.size(), 4u);
}

}  // namespace
}  // namespace crate::cli
