#include "cli/crate/image_names.h"

#include "gtest/gtest.h"

namespace crate::cli {
namespace {

TEST(ShortImageNameTest, StripsDockerHubsDefaults) {
  EXPECT_EQ(ShortImageName("docker.io/library/busybox:latest"),
            "busybox:latest");
  EXPECT_EQ(ShortImageName("docker.io/me/app:1"), "me/app:1");
  EXPECT_EQ(ShortImageName("127.0.0.1:5000/library/x:1"),
            "127.0.0.1:5000/library/x:1");
  EXPECT_EQ(ShortImageName("busybox"), "busybox");
  EXPECT_EQ(ShortImageName("docker.io/library/busybox@sha256:ab"),
            "busybox@sha256:ab");
}

TEST(SplitRepoTagTest, TagAfterTheLastSlash) {
  using P = std::pair<std::string, std::string>;
  EXPECT_EQ(SplitRepoTag("busybox:latest"), P("busybox", "latest"));
  EXPECT_EQ(SplitRepoTag("host:5000/a/b:v1"), P("host:5000/a/b", "v1"));
  EXPECT_EQ(SplitRepoTag("host:5000/a/b"), P("host:5000/a/b", ""));
  EXPECT_EQ(SplitRepoTag("a@sha256:00"), P("a@sha256:00", ""));
}

TEST(DefaultTagTest, OnlyWhenThereIsNone) {
  EXPECT_FALSE(HasTagOrDigest("busybox"));
  EXPECT_FALSE(HasTagOrDigest("host:5000/busybox"));
  EXPECT_TRUE(HasTagOrDigest("busybox:1"));
  EXPECT_TRUE(HasTagOrDigest("busybox@sha256:00"));
  EXPECT_EQ(WithDefaultTag("busybox"), "busybox:latest");
  EXPECT_EQ(WithDefaultTag("host:5000/busybox"), "host:5000/busybox:latest");
  EXPECT_EQ(WithDefaultTag("busybox:1"), "busybox:1");
}

TEST(NameMatchesTest, FullShortAndRepositoryForms) {
  const char* name = "docker.io/library/busybox:latest";
  EXPECT_TRUE(NameMatches(name, "busybox"));
  EXPECT_TRUE(NameMatches(name, "busybox:latest"));
  EXPECT_TRUE(NameMatches(name, "docker.io/library/busybox"));
  EXPECT_TRUE(NameMatches(name, name));
  EXPECT_FALSE(NameMatches(name, "busybox:1"));
  EXPECT_FALSE(NameMatches(name, "box"));
  EXPECT_TRUE(NameMatches("docker.io/e2e/copy:1", "e2e/copy"));
  EXPECT_FALSE(NameMatches("127.0.0.1:5000/e2e/copy:1", "e2e/copy"));
}

TEST(IdsTest, ShortIdAndDigest) {
  EXPECT_EQ(ShortId("sha256:0123456789abcdef0123"), "0123456789ab");
  EXPECT_EQ(ShortId("0123456789abcdef0123"), "0123456789ab");
  EXPECT_EQ(DigestPart("busybox@sha256:abc"), "sha256:abc");
  EXPECT_EQ(DigestPart("busybox"), "");
}

}  // namespace
}  // namespace crate::cli
