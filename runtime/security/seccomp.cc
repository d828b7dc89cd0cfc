#include "runtime/security/seccomp.h"

#include <errno.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "runtime/base/errno_status.h"
#include "runtime/base/status_macros.h"
#include "runtime/base/unique_fd.h"

#ifndef SECCOMP_FILTER_FLAG_LOG
#define SECCOMP_FILTER_FLAG_LOG (1UL << 1)
#endif
#ifndef SECCOMP_FILTER_FLAG_SPEC_ALLOW
#define SECCOMP_FILTER_FLAG_SPEC_ALLOW (1UL << 2)
#endif

namespace crate {
namespace security {
namespace {

struct CtxDeleter {
  void operator()(void* ctx) const { seccomp_release(ctx); }
};
using Ctx = std::unique_ptr<void, CtxDeleter>;

absl::Status ScmpError(int rc, absl::string_view what) {
  return ::crate::ErrnoToStatus(-rc, what);
}

// libseccomp's action word; errno_ret only for ERRNO and TRACE.
absl::StatusOr<uint32_t> ActionWord(SeccompAction action,
                                    absl::optional<uint32_t> errno_ret,
                                    absl::string_view where) {
  if (errno_ret.has_value() && action != SeccompAction::kErrno &&
      action != SeccompAction::kTrace) {
    return absl::InvalidArgumentError(
        absl::StrCat(where,
                     ": errnoRet is only valid with SCMP_ACT_ERRNO or "
                     "SCMP_ACT_TRACE"));
  }
  uint32_t ret = errno_ret.value_or(EPERM);
  switch (action) {
    case SeccompAction::kKill:
    case SeccompAction::kKillThread:
      return SCMP_ACT_KILL_THREAD;
    case SeccompAction::kKillProcess:
      return SCMP_ACT_KILL_PROCESS;
    case SeccompAction::kTrap:
      return SCMP_ACT_TRAP;
    case SeccompAction::kErrno:
      if (ret > 0xFFFF) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, ": errnoRet ", ret, " does not fit 16 bits"));
      }
      return SCMP_ACT_ERRNO(ret);
    case SeccompAction::kTrace:
      return SCMP_ACT_TRACE(ret);
    case SeccompAction::kAllow:
      return SCMP_ACT_ALLOW;
    case SeccompAction::kLog:
      return SCMP_ACT_LOG;
    case SeccompAction::kNotify:
      return absl::UnimplementedError(absl::StrCat(
          where, ": SCMP_ACT_NOTIFY (a seccomp listener) is not supported"));
  }
  return absl::InvalidArgumentError(absl::StrCat(where, ": bad action"));
}

enum scmp_compare CompareOf(SeccompOp op) {
  switch (op) {
    case SeccompOp::kNotEqual:
      return SCMP_CMP_NE;
    case SeccompOp::kLessThan:
      return SCMP_CMP_LT;
    case SeccompOp::kLessEqual:
      return SCMP_CMP_LE;
    case SeccompOp::kEqualTo:
      return SCMP_CMP_EQ;
    case SeccompOp::kGreaterEqual:
      return SCMP_CMP_GE;
    case SeccompOp::kGreaterThan:
      return SCMP_CMP_GT;
    case SeccompOp::kMaskedEqual:
      return SCMP_CMP_MASKED_EQ;
  }
  return SCMP_CMP_EQ;
}

absl::StatusOr<std::vector<struct sock_filter>> Export(void* ctx) {
  // libseccomp 2.5 exports only to a file descriptor.
  UniqueFd fd(static_cast<int>(
      syscall(SYS_memfd_create, "crate-seccomp", MFD_CLOEXEC)));
  if (!fd) return ErrnoStatus("memfd_create", "crate-seccomp");
  int rc = seccomp_export_bpf(ctx, fd.get());
  if (rc < 0) return ScmpError(rc, "seccomp_export_bpf");
  off_t size = lseek(fd.get(), 0, SEEK_END);
  if (size < 0) return ErrnoStatus("lseek", "crate-seccomp memfd");
  if (size % sizeof(struct sock_filter) != 0 || size == 0) {
    return absl::InternalError(
        absl::StrCat("seccomp_export_bpf wrote ", size,
                     " bytes, not a whole number of instructions"));
  }
  std::vector<struct sock_filter> out(size / sizeof(struct sock_filter));
  ssize_t n = pread(fd.get(), out.data(), size, 0);
  if (n != size) return ErrnoStatus("pread", "crate-seccomp memfd");
  return out;
}

const std::pair<const char*, SeccompAction> kActions[] = {
    {"SCMP_ACT_KILL", SeccompAction::kKill},
    {"SCMP_ACT_KILL_PROCESS", SeccompAction::kKillProcess},
    {"SCMP_ACT_KILL_THREAD", SeccompAction::kKillThread},
    {"SCMP_ACT_TRAP", SeccompAction::kTrap},
    {"SCMP_ACT_ERRNO", SeccompAction::kErrno},
    {"SCMP_ACT_TRACE", SeccompAction::kTrace},
    {"SCMP_ACT_ALLOW", SeccompAction::kAllow},
    {"SCMP_ACT_LOG", SeccompAction::kLog},
    {"SCMP_ACT_NOTIFY", SeccompAction::kNotify},
};

const std::pair<const char*, SeccompOp> kOps[] = {
    {"SCMP_CMP_NE", SeccompOp::kNotEqual},
    {"SCMP_CMP_LT", SeccompOp::kLessThan},
    {"SCMP_CMP_LE", SeccompOp::kLessEqual},
    {"SCMP_CMP_EQ", SeccompOp::kEqualTo},
    {"SCMP_CMP_GE", SeccompOp::kGreaterEqual},
    {"SCMP_CMP_GT", SeccompOp::kGreaterThan},
    {"SCMP_CMP_MASKED_EQ", SeccompOp::kMaskedEqual},
};

const std::pair<const char*, unsigned int> kFlags[] = {
    {"SECCOMP_FILTER_FLAG_TSYNC", SECCOMP_FILTER_FLAG_TSYNC},
    {"SECCOMP_FILTER_FLAG_LOG", SECCOMP_FILTER_FLAG_LOG},
    {"SECCOMP_FILTER_FLAG_SPEC_ALLOW", SECCOMP_FILTER_FLAG_SPEC_ALLOW},
};

// The spec's architecture names; those libseccomp does not know are left
// out of the features list at run time.
constexpr const char* kArchs[] = {
    "SCMP_ARCH_X86",      "SCMP_ARCH_X86_64",      "SCMP_ARCH_X32",
    "SCMP_ARCH_ARM",      "SCMP_ARCH_AARCH64",     "SCMP_ARCH_MIPS",
    "SCMP_ARCH_MIPS64",   "SCMP_ARCH_MIPS64N32",   "SCMP_ARCH_MIPSEL",
    "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC",
    "SCMP_ARCH_PPC64",    "SCMP_ARCH_PPC64LE",     "SCMP_ARCH_S390",
    "SCMP_ARCH_S390X",    "SCMP_ARCH_PARISC",      "SCMP_ARCH_PARISC64",
    "SCMP_ARCH_RISCV64",
};

constexpr char kProgramMagic[8] = {'C', 'R', 'B', 'P', 'F', '0', '0', '1'};

}  // namespace

absl::StatusOr<SeccompAction> SeccompActionFromName(absl::string_view name) {
  for (const auto& [n, a] : kActions) {
    if (name == n) return a;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown seccomp action '", name, "'"));
}

absl::StatusOr<SeccompOp> SeccompOpFromName(absl::string_view name) {
  for (const auto& [n, op] : kOps) {
    if (name == n) return op;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown seccomp operator '", name, "'"));
}

absl::StatusOr<uint32_t> SeccompArchFromName(absl::string_view name) {
  absl::string_view bare = name;
  if (!absl::ConsumePrefix(&bare, "SCMP_ARCH_")) {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown seccomp architecture '", name, "'"));
  }
  std::string lower = absl::AsciiStrToLower(bare);
  // The spec's names follow libseccomp's constants, whose resolver takes
  // the lower-case tokens ("x86_64", "aarch64").
  if (lower == "native") return seccomp_arch_native();
  uint32_t arch = seccomp_arch_resolve_name(lower.c_str());
  if (arch == 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "seccomp architecture '", name, "' is unknown to libseccomp ",
        seccomp_version()->major, ".", seccomp_version()->minor));
  }
  return arch;
}

absl::StatusOr<unsigned int> SeccompFlagFromName(absl::string_view name) {
  for (const auto& [n, bit] : kFlags) {
    if (name == n) return bit;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown seccomp flag '", name, "'"));
}

absl::StatusOr<SeccompProgram> CompileSeccomp(const SeccompConfig& config) {
  SeccompProgram program;
  for (const std::string& flag : config.flags) {
    ASSIGN_OR_RETURN(unsigned int bit, SeccompFlagFromName(flag));
    program.flags |= bit;
  }
  ASSIGN_OR_RETURN(uint32_t default_action,
                   ActionWord(config.default_action, config.default_errno_ret,
                              "linux.seccomp.defaultAction"));
  Ctx ctx(seccomp_init(default_action));
  if (ctx == nullptr) {
    return absl::InternalError("seccomp_init failed for the default action");
  }
  for (const std::string& name : config.architectures) {
    ASSIGN_OR_RETURN(uint32_t arch, SeccompArchFromName(name));
    int rc = seccomp_arch_add(ctx.get(), arch);
    if (rc < 0 && rc != -EEXIST) {
      return ScmpError(rc, absl::StrCat("seccomp_arch_add ", name));
    }
  }
  if (config.binary_tree) {
    seccomp_attr_set(ctx.get(), SCMP_FLTATR_CTL_OPTIMIZE, 2);
  }
  if (program.flags & SECCOMP_FILTER_FLAG_LOG) {
    seccomp_attr_set(ctx.get(), SCMP_FLTATR_CTL_LOG, 1);
  }

  std::set<std::string> unknown;
  for (size_t i = 0; i < config.syscalls.size(); ++i) {
    const SeccompSyscall& sc = config.syscalls[i];
    std::string where = absl::StrCat("linux.seccomp.syscalls[", i, "] (",
                                     absl::StrJoin(sc.names, ","), ")");
    ASSIGN_OR_RETURN(uint32_t action,
                     ActionWord(sc.action, sc.errno_ret, where));
    std::vector<struct scmp_arg_cmp> cmps;
    std::set<uint32_t> indexes;
    for (size_t j = 0; j < sc.args.size(); ++j) {
      const SeccompArg& a = sc.args[j];
      if (a.index > 5) {
        return absl::InvalidArgumentError(absl::StrCat(
            where, ".args[", j, "].index ", a.index, ": must be 0..5"));
      }
      indexes.insert(a.index);
      cmps.push_back({a.index, CompareOf(a.op), a.value, a.value_two});
    }
    const bool one_rule = indexes.size() == cmps.size();
    if (action == default_action) continue;
    for (const std::string& name : sc.names) {
      int nr = seccomp_syscall_resolve_name(name.c_str());
      if (nr == __NR_SCMP_ERROR) {
        unknown.insert(name);
        continue;
      }
      std::string what =
          absl::StrCat("seccomp_rule_add ", where, " syscall ", name);
      if (cmps.empty() || one_rule) {
        int rc = seccomp_rule_add_array(ctx.get(), action, nr,
                                        static_cast<unsigned int>(cmps.size()),
                                        cmps.empty() ? nullptr : cmps.data());
        if (rc < 0) return ScmpError(rc, what);
      } else {
        for (const struct scmp_arg_cmp& c : cmps) {
          int rc = seccomp_rule_add_array(ctx.get(), action, nr, 1, &c);
          if (rc < 0) return ScmpError(rc, what);
        }
      }
    }
  }
  program.unknown_syscalls.assign(unknown.begin(), unknown.end());
  ASSIGN_OR_RETURN(program.filter, Export(ctx.get()));
  return program;
}

absl::Status LoadSeccomp(const SeccompProgram& program) {
  struct sock_fprog prog;
  prog.len = static_cast<unsigned short>(program.filter.size());
  prog.filter = const_cast<struct sock_filter*>(program.filter.data());
  // The kernel's limit for one classic BPF program (BPF_MAXINSNS).
  if (program.filter.size() > 4096) {
    return absl::InvalidArgumentError(
        absl::StrCat("seccomp filter of ", program.filter.size(),
                     " instructions is longer than the kernel's 4096"));
  }
  if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, program.flags, &prog) !=
      0) {
    int err = errno;
    absl::Status s = ::crate::ErrnoToStatus(
        err, absl::StrCat("seccomp(SECCOMP_SET_MODE_FILTER) flags 0x",
                          absl::Hex(program.flags), " of ",
                          program.filter.size(), " instructions"));
    if (err == EACCES) {
      s = Annotate(s, "set no_new_privs first or keep CAP_SYS_ADMIN");
    }
    return s;
  }
  return absl::OkStatus();
}

SeccompFeatures GetSeccompFeatures() {
  SeccompFeatures f;
  for (const auto& a : kActions) {
    if (a.second != SeccompAction::kNotify) f.actions.push_back(a.first);
  }
  for (const auto& o : kOps) f.operators.push_back(o.first);
  for (const char* a : kArchs) {
    if (SeccompArchFromName(a).ok()) f.archs.push_back(a);
  }
  for (const auto& fl : kFlags) f.known_flags.push_back(fl.first);
  // The kernel checks the flags before it reads the filter, so a null
  // filter fails with EFAULT for a flag it takes and EINVAL otherwise.
  for (const auto& fl : kFlags) {
    errno = 0;
    long rc = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, fl.second, nullptr);
    if (rc != 0 && errno == EFAULT) f.supported_flags.push_back(fl.first);
  }
  return f;
}

std::string EncodeSeccompProgram(const SeccompProgram& program) {
  std::string out(kProgramMagic, sizeof(kProgramMagic));
  uint32_t header[2] = {program.flags,
                        static_cast<uint32_t>(program.filter.size())};
  out.append(reinterpret_cast<const char*>(header), sizeof(header));
  out.append(reinterpret_cast<const char*>(program.filter.data()),
             program.filter.size() * sizeof(struct sock_filter));
  return out;
}

absl::StatusOr<SeccompProgram> DecodeSeccompProgram(absl::string_view data) {
  constexpr size_t kHeader = sizeof(kProgramMagic) + 2 * sizeof(uint32_t);
  if (data.size() < kHeader ||
      data.substr(0, sizeof(kProgramMagic)) !=
          absl::string_view(kProgramMagic, sizeof(kProgramMagic))) {
    return absl::DataLossError("seccomp program: bad header");
  }
  uint32_t header[2];
  memcpy(header, data.data() + sizeof(kProgramMagic), sizeof(header));
  size_t bytes = size_t{header[1]} * sizeof(struct sock_filter);
  if (data.size() != kHeader + bytes) {
    return absl::DataLossError(absl::StrCat("seccomp program: ", data.size(),
                                            " bytes for ", header[1],
                                            " instructions"));
  }
  SeccompProgram p;
  p.flags = header[0];
  p.filter.resize(header[1]);
  memcpy(p.filter.data(), data.data() + kHeader, bytes);
  return p;
}

}  // namespace security
}  // namespace crate
