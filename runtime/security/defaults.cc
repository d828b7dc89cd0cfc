#include "runtime/security/defaults.h"

#include <errno.h>

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "runtime/security/capabilities.h"

namespace crate {
namespace security {
namespace {

// Allowed whatever the capabilities: Docker's list (moby
// profiles/seccomp/default.json), which the containers-common profile
// shares; names a kernel lacks are skipped when the filter is compiled.
constexpr const char* kAlwaysAllowed[] = {
    "_llseek",
    "_newselect",
    "accept",
    "accept4",
    "access",
    "adjtimex",
    "alarm",
    "bind",
    "brk",
    "capget",
    "capset",
    "chdir",
    "chmod",
    "chown",
    "chown32",
    "clock_adjtime",
    "clock_adjtime64",
    "clock_getres",
    "clock_getres_time64",
    "clock_gettime",
    "clock_gettime64",
    "clock_nanosleep",
    "clock_nanosleep_time64",
    "close",
    "close_range",
    "connect",
    "copy_file_range",
    "creat",
    "dup",
    "dup2",
    "dup3",
    "epoll_create",
    "epoll_create1",
    "epoll_ctl",
    "epoll_ctl_old",
    "epoll_pwait",
    "epoll_pwait2",
    "epoll_wait",
    "epoll_wait_old",
    "eventfd",
    "eventfd2",
    "execve",
    "execveat",
    "exit",
    "exit_group",
    "faccessat",
    "faccessat2",
    "fadvise64",
    "fadvise64_64",
    "fallocate",
    "fanotify_mark",
    "fchdir",
    "fchmod",
    "fchmodat",
    "fchown",
    "fchown32",
    "fchownat",
    "fcntl",
    "fcntl64",
    "fdatasync",
    "fgetxattr",
    "flistxattr",
    "flock",
    "fork",
    "fremovexattr",
    "fsetxattr",
    "fstat",
    "fstat64",
    "fstatat64",
    "fstatfs",
    "fstatfs64",
    "fsync",
    "ftruncate",
    "ftruncate64",
    "futex",
    "futex_time64",
    "futimesat",
    "get_robust_list",
    "get_thread_area",
    "getcpu",
    "getcwd",
    "getdents",
    "getdents64",
    "getegid",
    "getegid32",
    "geteuid",
    "geteuid32",
    "getgid",
    "getgid32",
    "getgroups",
    "getgroups32",
    "getitimer",
    "getpeername",
    "getpgid",
    "getpgrp",
    "getpid",
    "getppid",
    "getpriority",
    "getrandom",
    "getresgid",
    "getresgid32",
    "getresuid",
    "getresuid32",
    "getrlimit",
    "getrusage",
    "getsid",
    "getsockname",
    "getsockopt",
    "gettid",
    "gettimeofday",
    "getuid",
    "getuid32",
    "getxattr",
    "inotify_add_watch",
    "inotify_init",
    "inotify_init1",
    "inotify_rm_watch",
    "io_cancel",
    "io_destroy",
    "io_getevents",
    "io_setup",
    "io_submit",
    "ioctl",
    "ioprio_get",
    "ioprio_set",
    "ipc",
    "kill",
    "landlock_add_rule",
    "landlock_create_ruleset",
    "landlock_restrict_self",
    "lchown",
    "lchown32",
    "lgetxattr",
    "link",
    "linkat",
    "listen",
    "listxattr",
    "llistxattr",
    "lremovexattr",
    "lseek",
    "lsetxattr",
    "lstat",
    "lstat64",
    "madvise",
    "membarrier",
    "memfd_create",
    "memfd_secret",
    "mincore",
    "mkdir",
    "mkdirat",
    "mknod",
    "mknodat",
    "mlock",
    "mlock2",
    "mlockall",
    "mmap",
    "mmap2",
    "mprotect",
    "mq_getsetattr",
    "mq_notify",
    "mq_open",
    "mq_timedreceive",
    "mq_timedreceive_time64",
    "mq_timedsend",
    "mq_timedsend_time64",
    "mq_unlink",
    "mremap",
    "msgctl",
    "msgget",
    "msgrcv",
    "msgsnd",
    "msync",
    "munlock",
    "munlockall",
    "munmap",
    "nanosleep",
    "newfstatat",
    "open",
    "openat",
    "openat2",
    "pause",
    "pidfd_open",
    "pidfd_send_signal",
    "pipe",
    "pipe2",
    "pkey_alloc",
    "pkey_free",
    "pkey_mprotect",
    "poll",
    "ppoll",
    "ppoll_time64",
    "prctl",
    "pread64",
    "preadv",
    "preadv2",
    "prlimit64",
    "process_mrelease",
    "process_vm_readv",
    "process_vm_writev",
    "pselect6",
    "pselect6_time64",
    "ptrace",
    "pwrite64",
    "pwritev",
    "pwritev2",
    "read",
    "readahead",
    "readdir",
    "readlink",
    "readlinkat",
    "readv",
    "recv",
    "recvfrom",
    "recvmmsg",
    "recvmmsg_time64",
    "recvmsg",
    "remap_file_pages",
    "removexattr",
    "rename",
    "renameat",
    "renameat2",
    "restart_syscall",
    "rmdir",
    "rseq",
    "rt_sigaction",
    "rt_sigpending",
    "rt_sigprocmask",
    "rt_sigqueueinfo",
    "rt_sigreturn",
    "rt_sigsuspend",
    "rt_sigtimedwait",
    "rt_sigtimedwait_time64",
    "rt_tgsigqueueinfo",
    "sched_get_priority_max",
    "sched_get_priority_min",
    "sched_getaffinity",
    "sched_getattr",
    "sched_getparam",
    "sched_getscheduler",
    "sched_rr_get_interval",
    "sched_rr_get_interval_time64",
    "sched_setaffinity",
    "sched_setattr",
    "sched_setparam",
    "sched_setscheduler",
    "sched_yield",
    "seccomp",
    "select",
    "semctl",
    "semget",
    "semop",
    "semtimedop",
    "semtimedop_time64",
    "send",
    "sendfile",
    "sendfile64",
    "sendmmsg",
    "sendmsg",
    "sendto",
    "set_robust_list",
    "set_thread_area",
    "set_tid_address",
    "setfsgid",
    "setfsgid32",
    "setfsuid",
    "setfsuid32",
    "setgid",
    "setgid32",
    "setgroups",
    "setgroups32",
    "setitimer",
    "setpgid",
    "setpriority",
    "setregid",
    "setregid32",
    "setresgid",
    "setresgid32",
    "setresuid",
    "setresuid32",
    "setreuid",
    "setreuid32",
    "setrlimit",
    "setsid",
    "setsockopt",
    "setuid",
    "setuid32",
    "setxattr",
    "shmat",
    "shmctl",
    "shmdt",
    "shmget",
    "shutdown",
    "sigaction",
    "sigaltstack",
    "signal",
    "signalfd",
    "signalfd4",
    "sigpending",
    "sigprocmask",
    "sigreturn",
    "sigsuspend",
    "socketcall",
    "socketpair",
    "splice",
    "stat",
    "stat64",
    "statfs",
    "statfs64",
    "statx",
    "symlink",
    "symlinkat",
    "sync",
    "sync_file_range",
    "syncfs",
    "syscall",
    "sysinfo",
    "tee",
    "tgkill",
    "time",
    "timer_create",
    "timer_delete",
    "timer_getoverrun",
    "timer_gettime",
    "timer_gettime64",
    "timer_settime",
    "timer_settime64",
    "timerfd",
    "timerfd_create",
    "timerfd_gettime",
    "timerfd_gettime64",
    "timerfd_settime",
    "timerfd_settime64",
    "times",
    "tkill",
    "truncate",
    "truncate64",
    "ugetrlimit",
    "umask",
    "uname",
    "unlink",
    "unlinkat",
    "utime",
    "utimensat",
    "utimensat_time64",
    "utimes",
    "vfork",
    "wait4",
    "waitid",
    "waitpid",
    "write",
    "writev",
    // Safe since Linux 4.8, which fixed ptrace's seccomp bypass.
    "ptrace",
    "process_vm_readv",
    "process_vm_writev",
};

struct Guarded {
  const char* capability;
  std::vector<const char*> syscalls;
};

// Allowed only with the capability; failing with EPERM otherwise.
const Guarded kGuarded[] = {
    {"CAP_DAC_READ_SEARCH", {"open_by_handle_at"}},
    {"CAP_SYS_ADMIN",
     {"bpf",           "clone",           "fanotify_init", "fsconfig",
      "fsmount",       "fsopen",          "fspick",        "lookup_dcookie",
      "mount",         "mount_setattr",   "move_mount",    "name_to_handle_at",
      "open_tree",     "perf_event_open", "quotactl",      "quotactl_fd",
      "setdomainname", "sethostname",     "setns",         "syslog",
      "umount",        "umount2",         "unshare",       "pivot_root"}},
    {"CAP_SYS_BOOT", {"reboot"}},
    {"CAP_SYS_CHROOT", {"chroot"}},
    {"CAP_SYS_MODULE", {"delete_module", "init_module", "finit_module"}},
    {"CAP_SYS_PACCT", {"acct"}},
    {"CAP_SYS_PTRACE", {"kcmp", "pidfd_getfd", "process_madvise"}},
    {"CAP_SYS_RAWIO", {"iopl", "ioperm"}},
    {"CAP_SYS_TIME",
     {"settimeofday", "stime", "clock_settime", "clock_settime64"}},
    {"CAP_SYS_TTY_CONFIG", {"vhangup"}},
    {"CAP_SYS_NICE",
     {"get_mempolicy", "mbind", "set_mempolicy", "set_mempolicy_home_node"}},
    {"CAP_SYSLOG", {"syslog"}},
    {"CAP_BPF", {"bpf"}},
    {"CAP_PERFMON", {"perf_event_open"}},
};

// Every CLONE_NEW* flag: without CAP_SYS_ADMIN, clone may not make
// namespaces.
constexpr uint64_t kCloneNamespaceFlags = 0x7E020000;

bool Has(const std::vector<std::string>& caps, const char* want) {
  for (const std::string& c : caps) {
    std::string upper = absl::AsciiStrToUpper(c);
    if (upper == want || "CAP_" + upper == want) return true;
  }
  return false;
}

}  // namespace

std::vector<std::string> DefaultCapabilities() {
  return {
      "CAP_CHOWN",
      "CAP_DAC_OVERRIDE",
      "CAP_FSETID",
      "CAP_FOWNER",
      "CAP_MKNOD",
      "CAP_NET_RAW",
      "CAP_SETGID",
      "CAP_SETUID",
      "CAP_SETFCAP",
      "CAP_SETPCAP",
      "CAP_NET_BIND_SERVICE",
      "CAP_SYS_CHROOT",
      "CAP_KILL",
      "CAP_AUDIT_WRITE",
  };
}

SeccompConfig DefaultSeccompProfile(
    const std::vector<std::string>& capabilities, bool compat_arches) {
  SeccompConfig config;
  config.default_action = SeccompAction::kErrno;
  config.default_errno_ret = EPERM;
#if defined(__x86_64__)
  config.architectures = {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"};
#elif defined(__aarch64__)
  config.architectures = {"SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"};
#endif
  if (!compat_arches) config.architectures.resize(1);

  SeccompSyscall allow;
  allow.action = SeccompAction::kAllow;
  allow.names.assign(std::begin(kAlwaysAllowed), std::end(kAlwaysAllowed));
#if defined(__x86_64__)
  allow.names.insert(allow.names.end(), {"arch_prctl", "modify_ldt"});
#elif defined(__aarch64__)
  allow.names.insert(allow.names.end(),
                     {"arm_fadvise64_64", "arm_sync_file_range", "breakpoint",
                      "cacheflush", "set_tls", "sync_file_range2"});
#endif
  for (const Guarded& g : kGuarded) {
    if (!Has(capabilities, g.capability)) continue;
    allow.names.insert(allow.names.end(), g.syscalls.begin(), g.syscalls.end());
  }
  std::sort(allow.names.begin(), allow.names.end());
  allow.names.erase(std::unique(allow.names.begin(), allow.names.end()),
                    allow.names.end());
  config.syscalls.push_back(allow);

  // personality: only the harmless personas (Linux, its 32-bit variant,
  // UNAME26, and the query).
  for (uint64_t persona :
       {0x0ULL, 0x8ULL, 0x20000ULL, 0x20008ULL, 0xffffffffULL}) {
    SeccompSyscall p;
    p.names = {"personality"};
    p.action = SeccompAction::kAllow;
    p.args = {{0, persona, 0, SeccompOp::kEqualTo}};
    config.syscalls.push_back(p);
  }

  if (!Has(capabilities, "CAP_SYS_ADMIN")) {
    SeccompSyscall clone;
    clone.names = {"clone"};
    clone.action = SeccompAction::kAllow;
    clone.args = {{0, kCloneNamespaceFlags, 0, SeccompOp::kMaskedEqual}};
    config.syscalls.push_back(clone);
    // clone3 passes its flags in memory, out of a filter's reach: ENOSYS
    // makes libc fall back to clone, which is checked above.
    SeccompSyscall clone3;
    clone3.names = {"clone3"};
    clone3.action = SeccompAction::kErrno;
    clone3.errno_ret = ENOSYS;
    config.syscalls.push_back(clone3);
  } else {
    config.syscalls[0].names.push_back("clone3");
  }

  // socket: the audit netlink family needs CAP_AUDIT_WRITE.
  if (Has(capabilities, "CAP_AUDIT_WRITE")) {
    config.syscalls[0].names.push_back("socket");
  } else {
    SeccompSyscall not_netlink;
    not_netlink.names = {"socket"};
    not_netlink.action = SeccompAction::kAllow;
    not_netlink.args = {{0, 16 /* AF_NETLINK */, 0, SeccompOp::kNotEqual}};
    config.syscalls.push_back(not_netlink);
    SeccompSyscall not_audit = not_netlink;
    not_audit.args = {{2, 9 /* NETLINK_AUDIT */, 0, SeccompOp::kNotEqual}};
    config.syscalls.push_back(not_audit);
  }
  return config;
}

}  // namespace security
}  // namespace crate
