#include "runtime/cgroups/device_filter.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "runtime/base/errno_status.h"
#include "runtime/base/status_macros.h"

namespace crate {
namespace cgroups {
namespace {

// Registers of the program: R1 is the context, then a scratch register.
constexpr uint8_t kR0 = 0, kR1 = 1, kType = 2, kAccess = 3, kMajor = 4,
                  kMinor = 5;

struct bpf_insn Insn(uint8_t code, uint8_t dst, uint8_t src, int16_t off,
                     int32_t imm) {
  struct bpf_insn i;
  std::memset(&i, 0, sizeof(i));
  i.code = code;
  i.dst_reg = dst;
  i.src_reg = src;
  i.off = off;
  i.imm = imm;
  return i;
}

struct bpf_insn LoadWord(uint8_t dst, int16_t off) {
  return Insn(BPF_LDX | BPF_W | BPF_MEM, dst, kR1, off, 0);
}

int32_t AccessBits(const std::string& access) {
  int32_t bits = 0;
  for (char c : access) {
    if (c == 'm') bits |= BPF_DEVCG_ACC_MKNOD;
    if (c == 'r') bits |= BPF_DEVCG_ACC_READ;
    if (c == 'w') bits |= BPF_DEVCG_ACC_WRITE;
  }
  return bits;
}

constexpr int32_t kAllAccess =
    BPF_DEVCG_ACC_MKNOD | BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE;

// One rule: a series of "does not match: skip to the next rule" tests, then
// the verdict. Jump offsets are patched once the block length is known.
std::vector<struct bpf_insn> RuleBlock(const DeviceRule& rule) {
  std::vector<struct bpf_insn> out;
  std::vector<size_t> skips;  // Indexes of jumps to the end of the block.
  if (rule.type != "a") {
    int32_t type = rule.type == "b" ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR;
    skips.push_back(out.size());
    out.push_back(Insn(BPF_JMP | BPF_JNE | BPF_K, kType, 0, 0, type));
  }
  int32_t access = AccessBits(rule.access);
  if (access != kAllAccess) {
    out.push_back(Insn(BPF_ALU | BPF_MOV | BPF_X, kR1, kAccess, 0, 0));
    out.push_back(Insn(BPF_ALU | BPF_AND | BPF_K, kR1, 0, 0, access));
    skips.push_back(out.size());
    if (rule.allow) {
      // Allowed only if every access asked for is in the rule.
      out.push_back(Insn(BPF_JMP | BPF_JNE | BPF_X, kR1, kAccess, 0, 0));
    } else {
      // Denied if any access asked for is in the rule.
      out.push_back(Insn(BPF_JMP | BPF_JEQ | BPF_K, kR1, 0, 0, 0));
    }
  }
  if (rule.type != "a" && rule.major.value_or(-1) >= 0) {
    skips.push_back(out.size());
    out.push_back(Insn(BPF_JMP | BPF_JNE | BPF_K, kMajor, 0, 0,
                       static_cast<int32_t>(*rule.major)));
  }
  if (rule.type != "a" && rule.minor.value_or(-1) >= 0) {
    skips.push_back(out.size());
    out.push_back(Insn(BPF_JMP | BPF_JNE | BPF_K, kMinor, 0, 0,
                       static_cast<int32_t>(*rule.minor)));
  }
  out.push_back(Insn(BPF_ALU64 | BPF_MOV | BPF_K, kR0, 0, 0, rule.allow));
  out.push_back(Insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
  for (size_t at : skips) {
    out[at].off = static_cast<int16_t>(out.size() - at - 1);
  }
  return out;
}

long Bpf(int cmd, union bpf_attr* attr) {
  return ::syscall(SYS_bpf, cmd, attr, sizeof(*attr));
}

}  // namespace

std::vector<struct bpf_insn> BuildDeviceProgram(
    const std::vector<DeviceRule>& rules) {
  std::vector<struct bpf_insn> prog = {
      // access_type holds the device type in its low 16 bits and the
      // access in its high 16 bits.
      LoadWord(kType, 0),
      Insn(BPF_ALU | BPF_AND | BPF_K, kType, 0, 0, 0xFFFF),
      LoadWord(kAccess, 0),
      Insn(BPF_ALU | BPF_RSH | BPF_K, kAccess, 0, 0, 16),
      LoadWord(kMajor, 4),
      LoadWord(kMinor, 8),
  };
  // The last rule that matches decides, so test from the end.
  for (auto it = rules.rbegin(); it != rules.rend(); ++it) {
    std::vector<struct bpf_insn> block = RuleBlock(*it);
    prog.insert(prog.end(), block.begin(), block.end());
    // A catch-all makes the rules before it unreachable.
    if (it->type == "a" && AccessBits(it->access) == kAllAccess) return prog;
  }
  prog.push_back(Insn(BPF_ALU64 | BPF_MOV | BPF_K, kR0, 0, 0, 1));
  prog.push_back(Insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
  return prog;
}

absl::StatusOr<UniqueFd> LoadDeviceProgram(
    const std::vector<struct bpf_insn>& program) {
  static const char kLicense[] = "Apache";
  std::string log(64 * 1024, '\0');
  union bpf_attr attr;
  std::memset(&attr, 0, sizeof(attr));
  attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
  attr.insns = reinterpret_cast<uint64_t>(program.data());
  attr.insn_cnt = static_cast<uint32_t>(program.size());
  attr.license = reinterpret_cast<uint64_t>(kLicense);
  attr.log_buf = reinterpret_cast<uint64_t>(log.data());
  attr.log_size = static_cast<uint32_t>(log.size());
  attr.log_level = 1;
  int fd = static_cast<int>(Bpf(BPF_PROG_LOAD, &attr));
  if (fd < 0) {
    int err = errno;
    absl::Status s = ::crate::ErrnoToStatus(
        err, absl::StrCat("bpf(BPF_PROG_LOAD) of the device filter (",
                          program.size(), " instructions)"));
    log.resize(strnlen(log.c_str(), log.size()));
    if (!log.empty()) s = Annotate(s, absl::StrCat("verifier: ", log));
    return s;
  }
  return UniqueFd(fd);
}

absl::Status AttachDeviceFilter(const std::string& cgroup_dir,
                                const std::vector<DeviceRule>& rules) {
  UniqueFd cgroup(
      ::open(cgroup_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!cgroup) return ErrnoStatus("open", cgroup_dir);

  // What is attached now, to detach once the new program is in place:
  // between the two, both apply, so no access slips through.
  uint32_t old_ids[64];
  union bpf_attr query;
  std::memset(&query, 0, sizeof(query));
  query.query.target_fd = static_cast<uint32_t>(cgroup.get());
  query.query.attach_type = BPF_CGROUP_DEVICE;
  query.query.prog_ids = reinterpret_cast<uint64_t>(old_ids);
  query.query.prog_cnt = 64;
  uint32_t old_count = 0;
  if (Bpf(BPF_PROG_QUERY, &query) == 0) old_count = query.query.prog_cnt;

  ASSIGN_OR_RETURN(UniqueFd prog, LoadDeviceProgram(BuildDeviceProgram(rules)));
  union bpf_attr attach;
  std::memset(&attach, 0, sizeof(attach));
  attach.target_fd = static_cast<uint32_t>(cgroup.get());
  attach.attach_bpf_fd = static_cast<uint32_t>(prog.get());
  attach.attach_type = BPF_CGROUP_DEVICE;
  attach.attach_flags = BPF_F_ALLOW_MULTI;
  if (Bpf(BPF_PROG_ATTACH, &attach) != 0) {
    return ErrnoStatus("bpf(BPF_PROG_ATTACH) device filter to", cgroup_dir);
  }
  for (uint32_t i = 0; i < old_count && i < 64; ++i) {
    union bpf_attr get;
    std::memset(&get, 0, sizeof(get));
    get.prog_id = old_ids[i];
    UniqueFd old(static_cast<int>(Bpf(BPF_PROG_GET_FD_BY_ID, &get)));
    if (!old) continue;  // Gone meanwhile.
    union bpf_attr detach;
    std::memset(&detach, 0, sizeof(detach));
    detach.target_fd = static_cast<uint32_t>(cgroup.get());
    detach.attach_bpf_fd = static_cast<uint32_t>(old.get());
    detach.attach_type = BPF_CGROUP_DEVICE;
    if (Bpf(BPF_PROG_DETACH, &detach) != 0 && errno != ENOENT) {
      return ErrnoStatus(absl::StrCat("bpf(BPF_PROG_DETACH) old device filter ",
                                      old_ids[i], " from"),
                         cgroup_dir);
    }
  }
  return absl::OkStatus();
}

}  // namespace cgroups
}  // namespace crate
