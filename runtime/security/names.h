// The names the runtime-spec uses for capabilities and rlimits, in one
// table each. Pure data: runtime/oci validates config.json with them, and
// the parts of runtime/security that make syscalls resolve them.
#ifndef CRATE_RUNTIME_SECURITY_NAMES_H_
#define CRATE_RUNTIME_SECURITY_NAMES_H_

#include <sys/resource.h>

namespace crate {
namespace security {

// The highest capability this code knows by name (CAP_CHECKPOINT_RESTORE,
// Linux 5.9). Numbers are the kernel's ABI, so they are spelled out here
// rather than taken from headers that may predate them.
inline constexpr int kMaxKnownCapability = 40;

// Index = number, from the kernel's include/uapi/linux/capability.h.
inline constexpr const char* kCapabilityNames[kMaxKnownCapability + 1] = {
    "CAP_CHOWN",               // 0
    "CAP_DAC_OVERRIDE",        // 1
    "CAP_DAC_READ_SEARCH",     // 2
    "CAP_FOWNER",              // 3
    "CAP_FSETID",              // 4
    "CAP_KILL",                // 5
    "CAP_SETGID",              // 6
    "CAP_SETUID",              // 7
    "CAP_SETPCAP",             // 8
    "CAP_LINUX_IMMUTABLE",     // 9
    "CAP_NET_BIND_SERVICE",    // 10
    "CAP_NET_BROADCAST",       // 11
    "CAP_NET_ADMIN",           // 12
    "CAP_NET_RAW",             // 13
    "CAP_IPC_LOCK",            // 14
    "CAP_IPC_OWNER",           // 15
    "CAP_SYS_MODULE",          // 16
    "CAP_SYS_RAWIO",           // 17
    "CAP_SYS_CHROOT",          // 18
    "CAP_SYS_PTRACE",          // 19
    "CAP_SYS_PACCT",           // 20
    "CAP_SYS_ADMIN",           // 21
    "CAP_SYS_BOOT",            // 22
    "CAP_SYS_NICE",            // 23
    "CAP_SYS_RESOURCE",        // 24
    "CAP_SYS_TIME",            // 25
    "CAP_SYS_TTY_CONFIG",      // 26
    "CAP_MKNOD",               // 27
    "CAP_LEASE",               // 28
    "CAP_AUDIT_WRITE",         // 29
    "CAP_AUDIT_CONTROL",       // 30
    "CAP_SETFCAP",             // 31
    "CAP_MAC_OVERRIDE",        // 32
    "CAP_MAC_ADMIN",           // 33
    "CAP_SYSLOG",              // 34
    "CAP_WAKE_ALARM",          // 35
    "CAP_BLOCK_SUSPEND",       // 36
    "CAP_AUDIT_READ",          // 37
    "CAP_PERFMON",             // 38
    "CAP_BPF",                 // 39
    "CAP_CHECKPOINT_RESTORE",  // 40
};

struct NamedRlimit {
  const char* name;
  int resource;
};

// Every rlimit the runtime-spec names, spelled as config.json writes them.
inline constexpr NamedRlimit kRlimitNames[] = {
    {"RLIMIT_CPU", RLIMIT_CPU},
    {"RLIMIT_FSIZE", RLIMIT_FSIZE},
    {"RLIMIT_DATA", RLIMIT_DATA},
    {"RLIMIT_STACK", RLIMIT_STACK},
    {"RLIMIT_CORE", RLIMIT_CORE},
    {"RLIMIT_RSS", RLIMIT_RSS},
    {"RLIMIT_NPROC", RLIMIT_NPROC},
    {"RLIMIT_NOFILE", RLIMIT_NOFILE},
    {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK},
    {"RLIMIT_AS", RLIMIT_AS},
    {"RLIMIT_LOCKS", RLIMIT_LOCKS},
    {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
    {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE},
    {"RLIMIT_NICE", RLIMIT_NICE},
    {"RLIMIT_RTPRIO", RLIMIT_RTPRIO},
    {"RLIMIT_RTTIME", RLIMIT_RTTIME},
};

}  // namespace security
}  // namespace crate

#endif  // CRATE_RUNTIME_SECURITY_NAMES_H_
