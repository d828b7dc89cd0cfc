#include "runtime/cgroups/systemd/systemd_cgroup.h"

#include <unistd.h>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/base/status_matchers.h"

namespace crate {
namespace cgroups {
namespace systemd {
namespace {

using ::crate::testing::StatusIs;
using ::testing::HasSubstr;

TEST(ParseProcDevices, Sections) {
  const char kText[] =
      "Character devices:\n"
      "  1 mem\n"
      "  4 /dev/vc/0\n"
      "136 pts\n"
      "\n"
      "Block devices:\n"
      "  8 sd\n"
      "259 blkext\n";
  std::map<int64_t, std::string> chr = ParseProcDevices(kText, false);
  EXPECT_EQ(chr.size(), 3u);
  EXPECT_EQ(chr[136], "pts");
  EXPECT_EQ(chr[4], "/dev/vc/0");
  std::map<int64_t, std::string> blk = ParseProcDevices(kText, true);
  EXPECT_EQ(blk.size(), 2u);
  EXPECT_EQ(blk[8], "sd");
}

TEST(ProcessCgroup, ReadsOwnCgroup) {
  // Whatever this host runs, the process is in some cgroup of one kind.
  absl::StatusOr<std::string> v2 = ProcessCgroup(getpid(), true);
  absl::StatusOr<std::string> v1 = ProcessCgroup(getpid(), false);
  EXPECT_TRUE(v2.ok() || v1.ok());
  EXPECT_THAT(ProcessCgroup(-5, true), StatusIs(absl::StatusCode::kNotFound,
                                                HasSubstr("/proc/-5/cgroup")));
}

TEST(SystemdCgroup, NewValidatesBeforeTalkingToSystemd) {
  Options o;
  o.id = "abc";
  o.cgroups_path = "/not/systemd";
  EXPECT_THAT(SystemdCgroup::New(o),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("slice:prefix:name")));
  o.cgroups_path = "notaslice:p:abc";
  EXPECT_THAT(SystemdCgroup::New(o),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("invalid slice name \"notaslice\"")));
}

TEST(SystemdCgroup, UnstartedScopeSaysSo) {
  Options o;
  o.id = "abc";
  o.cgroups_path = "machine.slice:libpod:abc";
  absl::StatusOr<std::unique_ptr<SystemdCgroup>> cg = SystemdCgroup::New(o);
  if (!cg.ok()) GTEST_SKIP() << cg.status();  // No cgroup file system here.
  EXPECT_EQ((*cg)->unit(), "libpod-abc.scope");
  EXPECT_EQ((*cg)->path(), "machine.slice/libpod-abc.scope");
  EXPECT_FALSE((*cg)->Exists());
  EXPECT_THAT((*cg)->Pids(),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("libpod-abc.scope is not started yet")));
  // Limits wait for the start; a bad one is still refused at once.
  Resources bad;
  bad.pids = PidsResources{5};
  bad.cpu.emplace();
  bad.cpu->cpus = "x";
  EXPECT_FALSE((*cg)->Apply(bad).ok());
  EXPECT_OK((*cg)->Destroy(true));  // Nothing was made.
}

}  // namespace
}  // namespace systemd
}  // namespace cgroups
}  // namespace crate
