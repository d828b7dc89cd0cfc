// Seccomp filters of the runtime-spec (linux.seccomp), compiled with
// libseccomp into classic BPF ahead of time, and loaded late in the
// container's init with one seccomp(2) call: no libseccomp work, allocation
// or file access is left for the moment just before execve.
#ifndef CRATE_RUNTIME_SECURITY_SECCOMP_H_
#define CRATE_RUNTIME_SECURITY_SECCOMP_H_

#include <linux/filter.h>

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/optional.h"

namespace crate {
namespace security {

enum class SeccompAction {
  kKill,  // SCMP_ACT_KILL: the thread (libseccomp's meaning).
  kKillProcess,
  kKillThread,
  kTrap,
  kErrno,
  kTrace,
  kAllow,
  kLog,
  kNotify,  // Needs a listener; refused for now.
};

enum class SeccompOp {
  kNotEqual,
  kLessThan,
  kLessEqual,
  kEqualTo,
  kGreaterEqual,
  kGreaterThan,
  kMaskedEqual,  // (arg & value) == value_two.
};

// Spec spellings: "SCMP_ACT_ERRNO", "SCMP_CMP_MASKED_EQ", "SCMP_ARCH_X86_64",
// "SECCOMP_FILTER_FLAG_LOG". Errors name the unknown value.
absl::StatusOr<SeccompAction> SeccompActionFromName(absl::string_view name);
absl::StatusOr<SeccompOp> SeccompOpFromName(absl::string_view name);
// libseccomp's architecture token (SCMP_ARCH_*).
absl::StatusOr<uint32_t> SeccompArchFromName(absl::string_view name);
// SECCOMP_FILTER_FLAG_* bit.
absl::StatusOr<unsigned int> SeccompFlagFromName(absl::string_view name);

struct SeccompArg {
  uint32_t index = 0;  // 0..5.
  uint64_t value = 0;
  uint64_t value_two = 0;
  SeccompOp op = SeccompOp::kEqualTo;
};

struct SeccompSyscall {
  std::vector<std::string> names;
  SeccompAction action = SeccompAction::kAllow;
  // For kErrno and kTrace; EPERM when unset.
  absl::optional<uint32_t> errno_ret;
  std::vector<SeccompArg> args;
};

struct SeccompConfig {
  SeccompAction default_action = SeccompAction::kAllow;
  absl::optional<uint32_t> default_errno_ret;
  std::vector<std::string> architectures;  // SCMP_ARCH_*; native is implied.
  std::vector<std::string> flags;          // SECCOMP_FILTER_FLAG_*.
  std::vector<SeccompSyscall> syscalls;
  // Sort syscall numbers into a binary tree instead of a linear scan: a long
  // allow-list then costs a few comparisons per syscall instead of hundreds,
  // but compiling Docker's profile takes ~60 ms instead of ~16 ms here, so
  // it is for long-running containers whose start-up time matters less.
  bool binary_tree = false;
};

struct SeccompProgram {
  std::vector<struct sock_filter> filter;
  unsigned int flags = 0;  // SECCOMP_FILTER_FLAG_* for seccomp(2).
  // Syscall names this kernel/libseccomp does not know; skipped like runc
  // does, listed so the caller can log them.
  std::vector<std::string> unknown_syscalls;
};

// Builds the filter and exports it as BPF. Rules whose action equals the
// default are dropped (libseccomp refuses them, and they change nothing).
// Arguments with distinct indexes form one rule (all must match); if an
// index repeats, each argument becomes its own rule (any may match), which
// is runc's reading of the spec.
absl::StatusOr<SeccompProgram> CompileSeccomp(const SeccompConfig& config);

// seccomp(SECCOMP_SET_MODE_FILTER). Needs no_new_privs or CAP_SYS_ADMIN.
absl::Status LoadSeccomp(const SeccompProgram& program);

// What `crate-runtime features` reports under linux.seccomp.
struct SeccompFeatures {
  std::vector<std::string> actions;
  std::vector<std::string> operators;
  std::vector<std::string> archs;
  std::vector<std::string> known_flags;
  std::vector<std::string> supported_flags;  // By this kernel.
};

SeccompFeatures GetSeccompFeatures();

// A compiled program as bytes and back, so that it can be compiled once
// (at create) and loaded by a later process (at start) without libseccomp.
// Native byte order: the bytes are for this machine only.
std::string EncodeSeccompProgram(const SeccompProgram& program);
absl::StatusOr<SeccompProgram> DecodeSeccompProgram(absl::string_view data);

}  // namespace security
}  // namespace crate

#endif  // CRATE_RUNTIME_SECURITY_SECCOMP_H_
