#include "runtime/oci/mount_options.h"

#include <sys/mount.h>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace crate::oci {
namespace {

using ::testing::Contains;

TEST(MountOptionsTest, FlagsPropagationAndData) {
  MountOptions o = ParseMountOptions(
      {"rbind", "nosuid", "ro", "rprivate", "mode=755", "size=64k"});
  EXPECT_EQ(o.flags, MS_BIND | MS_REC | MS_NOSUID | MS_RDONLY);
  EXPECT_TRUE(o.bind());
  EXPECT_EQ(o.propagation, MS_PRIVATE);
  EXPECT_TRUE(o.propagation_recursive);
  EXPECT_EQ(o.data, "mode=755,size=64k");
}

TEST(MountOptionsTest, LaterOptionsWin) {
  MountOptions o =
      ParseMountOptions({"ro", "rw", "nodev", "dev", "rro", "rrw"});
  EXPECT_EQ(o.flags, 0u);
  EXPECT_EQ(o.recursive_set, 0u);
  EXPECT_EQ(o.recursive_clear, MS_RDONLY);
}

// Neither reaches mount(2)'s data; "ridmap" also maps the submounts.
TEST(MountOptionsTest, IdmapAndRidmap) {
  MountOptions o = ParseMountOptions({"idmap", "size=1m"});
  EXPECT_TRUE(o.idmap);
  EXPECT_FALSE(o.idmap_recursive);
  EXPECT_EQ(o.data, "size=1m");
  o = ParseMountOptions({"rbind", "ridmap"});
  EXPECT_TRUE(o.idmap);
  EXPECT_TRUE(o.idmap_recursive);
  EXPECT_EQ(o.data, "");
}

TEST(MountOptionsTest, KnownOptionsForFeatures) {
  std::vector<std::string> known = KnownMountOptions();
  EXPECT_THAT(known, Contains("rbind"));
  EXPECT_THAT(known, Contains("rslave"));
  EXPECT_THAT(known, Contains("rro"));
}

}  // namespace
}  // namespace crate::oci
