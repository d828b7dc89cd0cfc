#include "runtime/oci/features.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/base/status_matchers.h"
#include "runtime/oci/spec.h"

namespace crate::oci {
namespace {

TEST(FeaturesTest, DocumentListsWhatWeSupport) {
  FeatureSupport support;
  support.seccomp = true;
  support.seccomp_actions = {"SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO"};
  support.seccomp_supported_flags = {"SECCOMP_FILTER_FLAG_LOG"};
  auto j = nlohmann::json::parse(FeaturesJson(support));
  EXPECT_TRUE(j["linux"]["cgroup"]["v1"].get<bool>());
  EXPECT_TRUE(j["linux"]["cgroup"]["v2"].get<bool>());
  EXPECT_EQ(j["linux"]["seccomp"]["actions"][1], "SCMP_ACT_ERRNO");
  EXPECT_EQ(j["linux"]["seccomp"]["supportedFlags"][0],
            "SECCOMP_FILTER_FLAG_LOG");
  EXPECT_EQ(j["ociVersionMax"], kOciVersion);
  EXPECT_EQ(j["linux"]["namespaces"].size(), 8u);
  EXPECT_EQ(j["linux"]["capabilities"][21], "CAP_SYS_ADMIN");
  EXPECT_TRUE(j["linux"]["seccomp"]["enabled"].get<bool>());
  EXPECT_TRUE(j["linux"]["cgroup"]["systemd"].get<bool>());
  EXPECT_TRUE(j["linux"]["cgroup"]["systemdUser"].get<bool>());
  EXPECT_TRUE(j["linux"]["mountExtensions"]["idmap"]["enabled"].get<bool>());
  EXPECT_TRUE(j["linux"]["intelRdt"]["enabled"].get<bool>());
  EXPECT_NE(
      std::find(j["mountOptions"].begin(), j["mountOptions"].end(), "ridmap"),
      j["mountOptions"].end());
}

TEST(DefaultSpecTest, IsValidForCreate) {
  for (bool rootless : {false, true}) {
    ASSERT_OK_AND_ASSIGN(Spec spec,
                         ParseSpec(DefaultSpecJson(rootless, 1000, 1000)));
    EXPECT_OK(ValidateForCreate(spec));
    EXPECT_EQ(spec.root->path, "rootfs");
    EXPECT_EQ(spec.linux->FindNamespace(NamespaceType::kUser) != nullptr,
              rootless);
    EXPECT_EQ(spec.linux->FindNamespace(NamespaceType::kNetwork) != nullptr,
              !rootless);
    if (rootless) {
      EXPECT_EQ(spec.linux->uid_mappings[0].host_id, 1000u);
    }
  }
}

}  // namespace
}  // namespace crate::oci
