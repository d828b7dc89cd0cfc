#include "runtime/linux/security_config.h"

#include <sys/resource.h>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace crate::linux {
namespace {

TEST(SecurityConfigTest, CapabilitiesAsMasks) {
  oci::Capabilities c;
  c.bounding = {0, 21};
  c.effective = {21};
  c.permitted = {21, 5};
  c.inheritable = {5};
  c.ambient = {5, 21};  // 21 is not inheritable: dropped, as runc does.
  security::Capabilities m = ToCapabilities(c);
  EXPECT_EQ(m.bounding, security::CapBit(0) | security::CapBit(21));
  EXPECT_EQ(m.effective, security::CapBit(21));
  EXPECT_EQ(m.ambient, security::CapBit(5));
}

TEST(SecurityConfigTest, Rlimits) {
  auto r = ToRlimits({{"RLIMIT_NOFILE", RLIMIT_NOFILE, 100, 50}});
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].resource, RLIMIT_NOFILE);
  EXPECT_EQ(r[0].soft, 50u);
  EXPECT_EQ(r[0].hard, 100u);
}

TEST(SecurityConfigTest, Seccomp) {
  oci::Seccomp s;
  s.default_action = "SCMP_ACT_ERRNO";
  s.default_errno_ret = 38;
  s.architectures = {"SCMP_ARCH_X86_64"};
  s.syscalls = {{{"read", "write"}, "SCMP_ACT_ALLOW", absl::nullopt, {}},
                {{"personality"},
                 "SCMP_ACT_ALLOW",
                 absl::nullopt,
                 {{0, 8, 0, "SCMP_CMP_EQ"}}}};
  auto c = ToSeccompConfig(s);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->default_action, security::SeccompAction::kErrno);
  EXPECT_EQ(c->default_errno_ret, 38u);
  ASSERT_EQ(c->syscalls.size(), 2u);
  EXPECT_EQ(c->syscalls[1].args[0].op, security::SeccompOp::kEqualTo);
  EXPECT_EQ(c->syscalls[1].args[0].value, 8u);
  auto program = security::CompileSeccomp(*c);
  ASSERT_TRUE(program.ok()) << program.status();
  EXPECT_FALSE(program->filter.empty());
}

}  // namespace
}  // namespace crate::linux
