#include "runtime/linux/process.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "runtime/base/errno_status.h"
#include "runtime/base/file_util.h"
#include "runtime/base/status_macros.h"

namespace crate::linux {
namespace {

uint64_t CapMask(const std::vector<int>& caps) {
  uint64_t mask = 0;
  for (int c : caps) mask |= uint64_t{1} << c;
  return mask;
}

int LastCap() {
  static int last = [] {
    auto text = ReadFile("/proc/sys/kernel/cap_last_cap");
    int v = 0;
    if (text.ok() && absl::SimpleAtoi(absl::StripAsciiWhitespace(*text), &v)) {
      return v;
    }
    return CAP_LAST_CAP;
  }();
  return last;
}

absl::Status SetCaps(const oci::Capabilities& caps) {
  uint64_t eff = CapMask(caps.effective);
  uint64_t perm = CapMask(caps.permitted);
  uint64_t inh = CapMask(caps.inheritable);
  struct __user_cap_header_struct header = {_LINUX_CAPABILITY_VERSION_3, 0};
  struct __user_cap_data_struct data[2] = {};
  data[0].effective = static_cast<uint32_t>(eff);
  data[1].effective = static_cast<uint32_t>(eff >> 32);
  data[0].permitted = static_cast<uint32_t>(perm);
  data[1].permitted = static_cast<uint32_t>(perm >> 32);
  data[0].inheritable = static_cast<uint32_t>(inh);
  data[1].inheritable = static_cast<uint32_t>(inh >> 32);
  if (syscall(SYS_capset, &header, data) != 0) {
    return ErrnoStatus("capset");
  }
  for (int c : caps.ambient) {
    // Like runc: an ambient capability the inheritable set lacks cannot be
    // raised, and the spec's own examples ask for that; it is not fatal.
    (void)prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0);
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ApplyRlimits(const ProcessPlan& process) {
  for (const oci::Rlimit& r : process.rlimits) {
    struct rlimit lim = {static_cast<rlim_t>(r.soft),
                         static_cast<rlim_t>(r.hard)};
    if (setrlimit(r.resource, &lim) != 0) {
      int err = errno;
      std::string what =
          absl::StrCat("setrlimit ", r.type, " to ", r.soft, "/", r.hard);
      if (err == EPERM) {
        struct rlimit cur;
        getrlimit(r.resource, &cur);
        absl::StrAppend(&what, " (current hard limit ", cur.rlim_max,
                        "; raising it needs CAP_SYS_RESOURCE)");
      }
      return ErrnoToStatus(err, what);
    }
  }
  return absl::OkStatus();
}

absl::Status ApplyOomScoreAdj(const ProcessPlan& process) {
  if (!process.oom_score_adj) return absl::OkStatus();
  absl::Status s = WriteExistingFile("/proc/self/oom_score_adj",
                                     absl::StrCat(*process.oom_score_adj));
  if (!s.ok() && s.code() == absl::StatusCode::kPermissionDenied) {
    return Annotate(s,
                    absl::StrCat("set oomScoreAdj to ", *process.oom_score_adj,
                                 " (lowering it needs CAP_SYS_RESOURCE)"));
  }
  return s;
}

absl::StatusOr<std::string> ResolveExecutable(const ProcessPlan& process) {
  const std::string& name = process.args[0];
  auto runnable = [](const std::string& p) {
    struct stat st;
    return stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
           (st.st_mode & 0111) != 0;
  };
  if (name.find('/') != std::string::npos) {
    std::string path = name;
    if (name[0] != '/') path = JoinPath(process.cwd, name);
    if (!runnable(path)) {
      return absl::NotFoundError(
          absl::StrCat("exec \"", name, "\": no such executable file"));
    }
    return path;
  }
  std::string path_var =
      "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  for (const std::string& e : process.env) {
    if (absl::StartsWith(e, "PATH=")) path_var = e.substr(5);
  }
  for (absl::string_view dir : absl::StrSplit(path_var, ':')) {
    std::string candidate = JoinPath(dir.empty() ? "." : dir, name);
    if (runnable(candidate)) return candidate;
  }
  return absl::NotFoundError(
      absl::StrCat("exec \"", name, "\": executable file not found in $PATH"));
}

absl::Status BecomeProcessUser(const ProcessPlan& process) {
  const absl::optional<oci::Capabilities>& caps = process.capabilities;
  if (caps) {
    uint64_t keep = CapMask(caps->bounding);
    for (int c = 0; c <= LastCap(); ++c) {
      if (keep & (uint64_t{1} << c)) continue;
      if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) != 0 && errno != EINVAL) {
        return ErrnoStatus(
            absl::StrCat("drop capability ", c, " from the bounding set"));
      }
    }
    if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0) {
      return ErrnoStatus("prctl PR_SET_KEEPCAPS");
    }
  }
  std::vector<gid_t> groups(process.additional_gids.begin(),
                            process.additional_gids.end());
  if (setgroups(groups.size(), groups.data()) != 0) {
    // A user namespace whose setgroups is "deny" cannot drop groups it
    // never had; only a request for extra groups is an error there.
    if (!(errno == EPERM && groups.empty())) {
      return ErrnoStatus("setgroups");
    }
  }
  if (setresgid(process.gid, process.gid, process.gid) != 0) {
    return ErrnoStatus(absl::StrCat("setresgid ", process.gid));
  }
  if (setresuid(process.uid, process.uid, process.uid) != 0) {
    return ErrnoStatus(absl::StrCat("setresuid ", process.uid));
  }
  if (caps) {
    if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) != 0) {
      return ErrnoStatus("prctl PR_SET_KEEPCAPS");
    }
    RETURN_IF_ERROR(SetCaps(*caps));
  }
  if (process.no_new_privileges &&
      prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    return ErrnoStatus("prctl PR_SET_NO_NEW_PRIVS");
  }
  umask(process.umask.value_or(022));
  if (chdir(process.cwd.c_str()) != 0) return ErrnoStatus("chdir", process.cwd);
  return absl::OkStatus();
}

absl::Status Exec(const std::string& path, const ProcessPlan& process) {
  std::vector<char*> argv;
  argv.reserve(process.args.size() + 1);
  for (const std::string& a : process.args) {
    argv.push_back(const_cast<char*>(a.c_str()));
  }
  argv.push_back(nullptr);
  std::vector<char*> envp;
  envp.reserve(process.env.size() + 1);
  for (const std::string& e : process.env) {
    envp.push_back(const_cast<char*>(e.c_str()));
  }
  envp.push_back(nullptr);
  execve(path.c_str(), argv.data(), envp.data());
  return ErrnoStatus("exec", path);
}

}  // namespace crate::linux
