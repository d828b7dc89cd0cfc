#include "cli/crate/push_output.h"

#include "gtest/gtest.h"

namespace crate::cli {
namespace {

TEST(ParsePushTargetTest, NormalisesAsDocker) {
  PushTarget t = ParsePushTarget("busybox");
  EXPECT_EQ(t.repository, "docker.io/library/busybox");
  EXPECT_EQ(t.tag, "latest");
  EXPECT_TRUE(t.default_tag);
  EXPECT_EQ(t.Reference(), "docker.io/library/busybox:latest");
  t = ParsePushTarget("me/app:1");
  EXPECT_EQ(t.repository, "docker.io/me/app");
  EXPECT_EQ(t.tag, "1");
  EXPECT_FALSE(t.default_tag);
  t = ParsePushTarget("127.0.0.1:5000/crate-test/busybox");
  EXPECT_EQ(t.repository, "127.0.0.1:5000/crate-test/busybox");
  EXPECT_EQ(t.tag, "latest");
  t = ParsePushTarget("localhost/x:v2");
  EXPECT_EQ(t.Reference(), "localhost/x:v2");
  t = ParsePushTarget("registry.lan/x");
  EXPECT_EQ(t.repository, "registry.lan/x");
}

TEST(PushReportTest, TopLayerFirstThenTheDigest) {
  crate::v1::PushImageResponse r;
  r.set_digest("sha256:feed");
  r.set_manifest_size(527);
  crate::v1::LayerProgress* base = r.add_layers();
  base->set_digest("sha256:111111111111aaaa");
  base->set_state(crate::v1::LayerProgress::EXISTS);
  crate::v1::LayerProgress* top = r.add_layers();
  top->set_digest("sha256:222222222222bbbb");
  top->set_state(crate::v1::LayerProgress::DONE);
  EXPECT_EQ(PushReport(ParsePushTarget("127.0.0.1:5000/a/b"), r),
            "The push refers to repository [127.0.0.1:5000/a/b]\n"
            "222222222222: Pushed\n"
            "111111111111: Layer already exists\n"
            "latest: digest: sha256:feed size: 527\n");
}

}  // namespace
}  // namespace crate::cli
