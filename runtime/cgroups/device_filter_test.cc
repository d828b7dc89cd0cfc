#include "runtime/cgroups/device_filter.h"

#include <linux/bpf.h>

#include <cstdint>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/base/status_matchers.h"

namespace crate {
namespace cgroups {
namespace {

// Runs the few instructions the generator uses, the way the kernel would
// for one access; -1 for anything unexpected.
int Interpret(const std::vector<struct bpf_insn>& prog, uint32_t type,
              uint32_t access, uint32_t major, uint32_t minor) {
  uint32_t ctx[3] = {type | (access << 16), major, minor};
  uint64_t reg[11] = {};
  size_t pc = 0;
  for (int steps = 0; steps < 10000 && pc < prog.size(); ++steps) {
    const struct bpf_insn& i = prog[pc++];
    uint64_t src = (BPF_SRC(i.code) == BPF_X) ? reg[i.src_reg]
                                              : static_cast<uint32_t>(i.imm);
    switch (BPF_CLASS(i.code)) {
      case BPF_LDX:
        reg[i.dst_reg] = ctx[i.off / 4];
        break;
      case BPF_ALU:
      case BPF_ALU64: {
        uint64_t& d = reg[i.dst_reg];
        switch (BPF_OP(i.code)) {
          case BPF_MOV:
            d = src;
            break;
          case BPF_AND:
            d &= src;
            break;
          case BPF_RSH:
            d >>= src;
            break;
          default:
            return -1;
        }
        if (BPF_CLASS(i.code) == BPF_ALU) d &= 0xFFFFFFFF;
        break;
      }
      case BPF_JMP: {
        uint64_t d = reg[i.dst_reg];
        switch (BPF_OP(i.code)) {
          case BPF_EXIT:
            return static_cast<int>(reg[0]);
          case BPF_JNE:
            if (d != src) pc += i.off;
            break;
          case BPF_JEQ:
            if (d == src) pc += i.off;
            break;
          default:
            return -1;
        }
        break;
      }
      default:
        return -1;
    }
  }
  return -1;
}

constexpr uint32_t kChar = BPF_DEVCG_DEV_CHAR, kBlock = BPF_DEVCG_DEV_BLOCK;
constexpr uint32_t kR = BPF_DEVCG_ACC_READ, kW = BPF_DEVCG_ACC_WRITE,
                   kM = BPF_DEVCG_ACC_MKNOD;

DeviceRule Rule(bool allow, const char* type, int64_t major, int64_t minor,
                const char* access) {
  DeviceRule r;
  r.allow = allow;
  r.type = type;
  if (major >= 0) r.major = major;
  if (minor >= 0) r.minor = minor;
  r.access = access;
  return r;
}

TEST(DeviceProgramTest, DockerLikeRules) {
  std::vector<DeviceRule> rules = {
      Rule(false, "a", -1, -1, "rwm"),
      Rule(true, "c", 1, 3, "rwm"),     // /dev/null
      Rule(true, "c", 1, 5, "rw"),      // /dev/zero, no mknod
      Rule(true, "c", 136, -1, "rwm"),  // /dev/pts/*
      Rule(false, "c", 136, 7, "w"),    // except writing pts 7
  };
  auto prog = BuildDeviceProgram(rules);
  EXPECT_EQ(Interpret(prog, kChar, kR | kW, 1, 3), 1);
  EXPECT_EQ(Interpret(prog, kChar, kM, 1, 3), 1);
  EXPECT_EQ(Interpret(prog, kChar, kR, 1, 5), 1);
  EXPECT_EQ(Interpret(prog, kChar, kM, 1, 5), 0);
  EXPECT_EQ(Interpret(prog, kChar, kR | kM, 1, 5), 0);
  EXPECT_EQ(Interpret(prog, kChar, kR, 136, 42), 1);
  EXPECT_EQ(Interpret(prog, kChar, kR, 136, 7), 1);
  EXPECT_EQ(Interpret(prog, kChar, kR | kW, 136, 7), 0);
  EXPECT_EQ(Interpret(prog, kBlock, kR, 1, 3), 0);
  EXPECT_EQ(Interpret(prog, kChar, kR, 1, 8), 0);
  EXPECT_EQ(Interpret(prog, kBlock, kR, 8, 0), 0);
}

TEST(DeviceProgramTest, NoCatchAllKeepsV1Inheritance) {
  auto prog = BuildDeviceProgram({Rule(false, "b", 8, -1, "rwm")});
  EXPECT_EQ(Interpret(prog, kBlock, kR, 8, 1), 0);
  EXPECT_EQ(Interpret(prog, kBlock, kR, 9, 1), 1);
  EXPECT_EQ(Interpret(prog, kChar, kR, 8, 1), 1);
}

TEST(DeviceProgramTest, LaterCatchAllWins) {
  auto prog = BuildDeviceProgram(
      {Rule(false, "c", 1, 3, "rwm"), Rule(true, "a", -1, -1, "rwm")});
  EXPECT_EQ(Interpret(prog, kChar, kR, 1, 3), 1);
}

}  // namespace
}  // namespace cgroups
}  // namespace crate
