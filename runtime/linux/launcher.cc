#include "runtime/linux/launcher.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#ifndef SYS_close_range
#define SYS_close_range 436
#endif
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "runtime/base/errno_status.h"
#include "runtime/base/file_util.h"
#include "runtime/base/status_macros.h"
#include "runtime/base/unique_fd.h"
#include "runtime/linux/child_pipe.h"
#include "runtime/linux/console.h"
#include "runtime/linux/hooks.h"
#include "runtime/linux/idmap.h"
#include "runtime/linux/process.h"
#include "runtime/linux/rootfs.h"

namespace crate::linux {
namespace {

constexpr char kReady = kTagReady;
constexpr char kPid = kTagPid;
constexpr char kPidOutsideCgroup = kTagPidOutsideCgroup;
constexpr char kGo = kTagGo;
constexpr char kHooks = kTagHooks;

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

// fork() with namespace flags. glibc's fork() takes no flags and clone()
// wants a stack; the raw syscall with a null stack behaves like fork.
pid_t CloneProcess(int flags) {
  return static_cast<pid_t>(
      syscall(SYS_clone, flags | SIGCHLD, nullptr, nullptr, nullptr, nullptr));
}

// clone3(2)'s arguments up to `cgroup` (CLONE_ARGS_SIZE_VER2).
struct CloneArgs {
  uint64_t flags = 0;
  uint64_t pidfd = 0;
  uint64_t child_tid = 0;
  uint64_t parent_tid = 0;
  uint64_t exit_signal = 0;
  uint64_t stack = 0;
  uint64_t stack_size = 0;
  uint64_t tls = 0;
  uint64_t set_tid = 0;
  uint64_t set_tid_size = 0;
  uint64_t cgroup = 0;
};
constexpr uint64_t kCloneIntoCgroup = 0x200000000ULL;

// Like CloneProcess, the child born in the v2 cgroup `cgroup_fd`; -1 with
// errno when the kernel cannot (before 5.7, or a cgroup it refuses).
pid_t CloneIntoCgroup(int flags, int cgroup_fd) {
  CloneArgs args;
  args.flags =
      static_cast<uint64_t>(static_cast<unsigned>(flags)) | kCloneIntoCgroup;
  args.exit_signal = SIGCHLD;
  args.cgroup = static_cast<uint64_t>(cgroup_fd);
  return static_cast<pid_t>(syscall(SYS_clone3, &args, sizeof(args)));
}

[[noreturn]] void ChildFail(int sync_fd, const absl::Status& status) {
  WriteError(sync_fd, status);
  _exit(1);
}

// A new process starts with every signal at its default and none blocked:
// the runtime's caller may ignore some (conmon ignores SIGPIPE) or block
// those it forwards, and an ignored disposition survives exec.
void ResetSignals() {
  // Raw system calls: glibc keeps its own two real-time signals (32, 33)
  // away from sigaction and sigprocmask, and a caller (a JVM, a Go
  // program) may have blocked them; the container's process owes nothing
  // to the runtime's libc.
  struct KernelSigaction {
    void (*handler)(int);
    unsigned long flags;
    void (*restorer)();
    uint64_t mask;
  } dfl = {SIG_DFL, 0, nullptr, 0};
  constexpr size_t kSigsetSize = sizeof(uint64_t);
  for (int sig = 1; sig < NSIG; ++sig) {
    if (sig == SIGKILL || sig == SIGSTOP) continue;
    syscall(SYS_rt_sigaction, sig, &dfl, nullptr, kSigsetSize);
  }
  uint64_t none = 0;
  syscall(SYS_rt_sigprocmask, SIG_SETMASK, &none, nullptr, kSigsetSize);
}

std::string DescribeWait(int wstatus) {
  if (WIFEXITED(wstatus))
    return absl::StrCat("exit status ", WEXITSTATUS(wstatus));
  if (WIFSIGNALED(wstatus)) return absl::StrCat("signal ", WTERMSIG(wstatus));
  return "unknown status";
}

// The host ID that `id` of the container maps to; `fallback` without maps.
unsigned HostId(const std::vector<oci::IdMapping>& maps, unsigned id,
                unsigned fallback) {
  for (const oci::IdMapping& m : maps) {
    if (id >= m.container_id && id - m.container_id < m.size) {
      return m.host_id + (id - m.container_id);
    }
  }
  return fallback;
}

// Everything from here runs in the container init, a copy of the caller.
// The parent's answer to kHooks: kGo, a length and the state document.
absl::StatusOr<std::string> AwaitHookState(int sync_fd, int go_fd) {
  if (!WriteAll(sync_fd, &kHooks, 1)) return ErrnoStatus("write to runtime");
  char go = 0;
  uint32_t size = 0;
  if (ReadFull(go_fd, &go, 1) != 1 || go != kGo ||
      ReadFull(go_fd, &size, sizeof(size)) != sizeof(size)) {
    return absl::AbortedError("runtime went away during hooks");
  }
  std::string state(size, '\0');
  if (ReadFull(go_fd, state.data(), size) != static_cast<ssize_t>(size)) {
    return absl::AbortedError("runtime went away during hooks");
  }
  return state;
}

absl::Status InitBeforeReady(const LaunchPlan& plan,
                             const std::vector<int>& idmapped_fds,
                             bool in_user_ns, int console_socket, int sync_fd,
                             int go_fd, std::string* state_json) {
  if (in_user_ns) {
    // Root of the new namespace, so that what follows is done as its root.
    if (setresgid(0, 0, 0) != 0) return ErrnoStatus("setresgid 0");
    if (setresuid(0, 0, 0) != 0) return ErrnoStatus("setresuid 0");
  }
  if (setsid() < 0) return ErrnoStatus("setsid");
  umask(0);  // Modes of device nodes and mount targets are exact.
  RETURN_IF_ERROR(ApplyOomScoreAdj(plan.process));
  RETURN_IF_ERROR(PrepareRootfs(plan, idmapped_fds));
  if (plan.hook_sync) {
    ASSIGN_OR_RETURN(*state_json, AwaitHookState(sync_fd, go_fd));
    RETURN_IF_ERROR(
        RunHooks(plan.create_container_hooks, *state_json, "createContainer"));
  }
  RETURN_IF_ERROR(EnterRootfs(plan));
  // Sysctls go in before /proc/sys becomes read-only, as in runc.
  RETURN_IF_ERROR(ApplyIdentity(plan));
  RETURN_IF_ERROR(FinishRootfs(plan));
  if (plan.process.terminal && console_socket >= 0) {
    RETURN_IF_ERROR(SetupConsole(console_socket, plan.process.console_size));
    close(console_socket);
  }
  RETURN_IF_ERROR(ApplyRlimits(plan.process));
  RETURN_IF_ERROR(ApplyIoPriorityAndPersonality(plan.process));
  return absl::OkStatus();
}

// The init must not keep what the caller had open: above all the lock on
// the state directory, which would otherwise outlive the command that took
// it. Fds 3 .. 3+preserve_fds-1 and those in `keep` survive.
void CloseFdsExcept(int preserve_fds, std::vector<int> keep) {
  keep.push_back(-1);
  std::sort(keep.begin(), keep.end());
  unsigned first = 3 + static_cast<unsigned>(preserve_fds);
  for (int k : keep) {
    if (k < 0 || static_cast<unsigned>(k) < first) continue;
    if (static_cast<unsigned>(k) > first) {
      syscall(SYS_close_range, first, static_cast<unsigned>(k) - 1, 0);
    }
    first = static_cast<unsigned>(k) + 1;
  }
  syscall(SYS_close_range, first, ~0U, 0);
}

// The cgroups a new process joins by itself (CreateRequest::
// join_tasks_files, clone_into_cgroup), opened by the caller before any
// namespace is joined: the paths may not resolve in a joined mount
// namespace, and cgroup files are checked against the opener's credentials.
struct SelfJoinFiles {
  std::vector<std::string> names;
  std::vector<UniqueFd> tasks;  // v1: the process writes "0" to each.
  std::vector<int> tasks_fds;
  UniqueFd dir;  // v2: clone3(CLONE_INTO_CGROUP).
  std::string dir_name;

  static absl::StatusOr<SelfJoinFiles> Open(
      const std::vector<std::string>& tasks_files, const std::string& dir) {
    SelfJoinFiles f;
    f.names = tasks_files;
    for (const std::string& name : tasks_files) {
      UniqueFd fd(open(name.c_str(), O_WRONLY | O_CLOEXEC));
      if (!fd) return ErrnoStatus("open", name);
      f.tasks_fds.push_back(fd.get());
      f.tasks.push_back(std::move(fd));
    }
    if (!dir.empty()) {
      f.dir.Reset(open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
      if (!f.dir) return ErrnoStatus("open", dir);
      f.dir_name = dir;
    }
    return f;
  }

  // In the new process: into each v1 hierarchy's cgroup, then closed.
  absl::Status JoinV1() const {
    for (size_t i = 0; i < tasks_fds.size(); ++i) {
      if (write(tasks_fds[i], "0", 1) != 1) {
        return ErrnoStatus("join cgroup", names[i]);
      }
      close(tasks_fds[i]);
    }
    return absl::OkStatus();
  }

  // A process born in the v2 cgroup where the kernel allows it; *born_in
  // says whether it was.
  pid_t Clone(int flags, bool* born_in) const {
    pid_t pid = dir ? CloneIntoCgroup(flags, dir.get()) : -1;
    *born_in = pid >= 0 || !dir;
    return pid >= 0 ? pid : CloneProcess(flags);
  }

  // For a process Clone could not put there (kernels before 5.7, or checks
  // that failed in joined namespaces): the caller moves it.
  absl::Status Move(pid_t pid) const {
    return WriteExistingFile(JoinPath(dir_name, "cgroup.procs"),
                             absl::StrCat(pid));
  }

  void Close() {
    tasks.clear();
    dir.Reset();
  }
};

[[noreturn]] void InitMain(const CreateRequest& req,
                           const std::vector<int>& idmapped_fds,
                           const std::vector<int>& tasks_fds, int sync_fd,
                           int go_fd, int state_dir_fd) {
  const LaunchPlan& plan = *req.plan;
  ResetSignals();
  InstallStdio(req.stdio);
  std::vector<int> keep = {sync_fd, go_fd, state_dir_fd, req.console_socket};
  keep.insert(keep.end(), idmapped_fds.begin(), idmapped_fds.end());
  keep.insert(keep.end(), tasks_fds.begin(), tasks_fds.end());
  CloseFdsExcept(req.preserve_fds, std::move(keep));
  char go = 0;
  if (ReadFull(go_fd, &go, 1) != 1 || go != kGo) _exit(1);
  for (size_t i = 0; i < tasks_fds.size(); ++i) {
    if (write(tasks_fds[i], "0", 1) != 1) {
      ChildFail(sync_fd, ErrnoStatus("join cgroup", req.join_tasks_files[i]));
    }
    close(tasks_fds[i]);
  }
  // Now in the container's cgroups.
  if ((plan.clone_flags & CLONE_NEWCGROUP) && unshare(CLONE_NEWCGROUP) != 0) {
    ChildFail(sync_fd, ErrnoStatus("unshare cgroup namespace"));
  }
  std::string state_json;
  // The caller's keyring holds the caller's secrets; the container gets
  // its own unless asked not to. Kernels without keyrings are fine
  // (ENOSYS), as in runc.
  constexpr int kKeyctlJoin = 1;  // keyctl(2): join or create a named ring.
  if (!req.keyring_name.empty() &&
      syscall(SYS_keyctl, kKeyctlJoin, req.keyring_name.c_str()) < 0 &&
      errno != ENOSYS) {
    ChildFail(sync_fd, ErrnoStatus("join keyring", req.keyring_name));
  }
  // In a user namespace, new or joined, the init still has the caller's
  // kernel ids, unmapped there until it becomes the namespace's root.
  bool in_user_ns = (plan.clone_flags & CLONE_NEWUSER) != 0;
  for (const NamespaceJoin& j : plan.joins) {
    if (j.type == oci::NamespaceType::kUser) in_user_ns = true;
  }
  absl::Status s =
      InitBeforeReady(plan, idmapped_fds, in_user_ns, req.console_socket,
                      sync_fd, go_fd, &state_json);
  close(go_fd);
  if (!s.ok()) ChildFail(sync_fd, s);
  ProcessPlan process = plan.process;
  AddHomeIfMissing(&process);
  absl::StatusOr<std::string> exe = ResolveExecutable(process);
  if (!exe.ok()) ChildFail(sync_fd, exe.status());
  // Before "ready", as runc does, so that a profile that is not loaded
  // fails `create`; the labels take effect only at the exec.
  s = ApplyExecLabels(process);
  if (!s.ok()) ChildFail(sync_fd, s);
  if (!WriteAll(sync_fd, &kReady, 1)) _exit(1);
  close(sync_fd);

  // Blocks until `start` opens the other end.
  int fifo = openat(state_dir_fd, kExecFifoName, O_WRONLY | O_CLOEXEC);
  if (fifo < 0 || !WriteAll(fifo, "0", 1)) {
    std::string msg =
        absl::StrCat("crate-runtime: open exec fifo: ", strerror(errno), "\n");
    WriteAll(STDERR_FILENO, msg.data(), msg.size());
    _exit(1);
  }
  close(fifo);
  close(state_dir_fd);

  for (int fd = 3; fd < 3 + req.preserve_fds; ++fd) fcntl(fd, F_SETFD, 0);
  s = RunHooks(plan.start_container_hooks, state_json, "startContainer");
  if (s.ok()) s = BecomeProcessUser(process, req.seccomp);
  if (s.ok()) s = Exec(*exe, process);
  std::string msg = absl::StrCat("crate-runtime: ", s.message(), "\n");
  WriteAll(STDERR_FILENO, msg.data(), msg.size());
  _exit(ExitCodeForExecFailure(s));
}

// Reads what the init reports until it is created (or has failed).
absl::Status AwaitReady(ChildReader& sync, int go_fd, pid_t pid,
                        const CreateRequest& req) {
  auto kill_init = [pid] {
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
  };
  char tag = 0;
  bool got = sync.ReadFull(&tag, 1);
  if (got && tag == kHooks) {
    absl::StatusOr<std::string> state =
        req.before_pivot ? req.before_pivot(pid) : std::string("{}");
    if (!state.ok()) {
      kill_init();
      return state.status();
    }
    uint32_t size = static_cast<uint32_t>(state->size());
    if (!WriteAll(go_fd, &kGo, 1) || !WriteAll(go_fd, &size, sizeof(size)) ||
        !WriteAll(go_fd, state->data(), state->size())) {
      absl::Status s = ErrnoStatus("write to init");
      kill_init();
      return s;
    }
    got = sync.ReadFull(&tag, 1);
  }
  if (got && tag == kReady) return absl::OkStatus();
  std::string msg = got && tag == kTagError ? sync.ReadErrorMessage() : "";
  // Whatever it was doing, it is not to go on (a garbled pipe, or a
  // message and a process that has not exited yet).
  kill(pid, SIGKILL);
  int wstatus = 0;
  bool reaped = waitpid(pid, &wstatus, 0) == pid;
  if (!msg.empty()) return absl::FailedPreconditionError(msg);
  return absl::InternalError(absl::StrCat(
      "container init exited before the container was created",
      reaped ? absl::StrCat(" (", DescribeWait(wstatus), ")") : ""));
}

// What the intermediate process of CreateContainer and ExecInContainer
// reports: the pid it forked (and whether in its cgroup), or its error.
struct Forked {
  pid_t pid = 0;
  bool in_cgroup = false;
  std::string error;
};

Forked ReadForked(ChildReader& sync, const char* what_failed) {
  Forked f;
  char tag = 0;
  if (sync.ReadFull(&tag, 1) && (tag == kPid || tag == kPidOutsideCgroup) &&
      sync.ReadFull(&f.pid, sizeof(f.pid)) && f.pid > 0) {
    f.in_cgroup = tag == kPid;
    return f;
  }
  f.pid = 0;
  if (tag == kTagError) f.error = sync.ReadErrorMessage();
  if (f.error.empty()) f.error = what_failed;
  return f;
}

}  // namespace

void InstallStdio(const std::array<int, 3>& stdio) {
  for (int i = 0; i < 3; ++i) {
    // dup2 leaves the new fd without CLOEXEC, as exec wants it.
    if (stdio[i] >= 0 && stdio[i] != i) dup2(stdio[i], i);
  }
}

absl::Status WriteIdMappings(pid_t pid, const LaunchPlan& plan) {
  auto render = [](const std::vector<oci::IdMapping>& maps) {
    std::string out;
    for (const oci::IdMapping& m : maps) {
      absl::StrAppend(&out, m.container_id, " ", m.host_id, " ", m.size, "\n");
    }
    return out;
  };
  std::string proc = absl::StrCat("/proc/", pid);
  if (geteuid() == 0) {
    RETURN_IF_ERROR(
        WriteExistingFile(proc + "/uid_map", render(plan.uid_mappings)));
    return WriteExistingFile(proc + "/gid_map", render(plan.gid_mappings));
  }
  // Unprivileged: the kernel lets the caller map only its own ID; more
  // (the user's /etc/subuid and /etc/subgid ranges) goes through the
  // setuid newuidmap/newgidmap, as runc and crun do.
  if (NeedsIdMapHelper(plan.uid_mappings, geteuid())) {
    RETURN_IF_ERROR(RunIdMapHelper("newuidmap", pid, plan.uid_mappings));
  } else {
    RETURN_IF_ERROR(
        WriteExistingFile(proc + "/uid_map", render(plan.uid_mappings)));
  }
  if (NeedsIdMapHelper(plan.gid_mappings, getegid())) {
    // newgidmap leaves setgroups "allow" when a subgid range is mapped.
    RETURN_IF_ERROR(RunIdMapHelper("newgidmap", pid, plan.gid_mappings));
  } else {
    RETURN_IF_ERROR(WriteExistingFile(proc + "/setgroups", "deny"));
    RETURN_IF_ERROR(
        WriteExistingFile(proc + "/gid_map", render(plan.gid_mappings)));
  }
  return absl::OkStatus();
}

bool NeedsIdMapHelper(const std::vector<oci::IdMapping>& maps,
                      unsigned own_id) {
  return !(maps.size() == 1 && maps[0].size == 1 && maps[0].host_id == own_id);
}

absl::Status RunIdMapHelper(const std::string& program, pid_t pid,
                            const std::vector<oci::IdMapping>& maps) {
  std::vector<std::string> args = {program, absl::StrCat(pid)};
  for (const oci::IdMapping& m : maps) {
    args.push_back(absl::StrCat(m.container_id));
    args.push_back(absl::StrCat(m.host_id));
    args.push_back(absl::StrCat(m.size));
  }
  std::string command = absl::StrJoin(args, " ");
  int out[2];
  if (pipe2(out, O_CLOEXEC) != 0) {
    return ErrnoStatus(absl::StrCat(command, ": pipe"));
  }
  UniqueFd out_read(out[0]);
  UniqueFd out_write(out[1]);
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t child = fork();
  if (child < 0) return ErrnoStatus(absl::StrCat(command, ": fork"));
  if (child == 0) {
    dup2(out_write.get(), STDOUT_FILENO);
    dup2(out_write.get(), STDERR_FILENO);
    execvp(argv[0], argv.data());
    int err = errno;
    const char* why = strerror(err);
    WriteAll(STDERR_FILENO, why, strlen(why));
    if (err == ENOENT) {
      constexpr char kHint[] = " (install the uidmap package)";
      WriteAll(STDERR_FILENO, kHint, sizeof(kHint) - 1);
    }
    _exit(127);
  }
  out_write.Reset();
  std::string output;
  char buf[512];
  for (;;) {
    ssize_t n = read(out_read.get(), buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    output.append(buf, n);
  }
  int wstatus = 0;
  while (waitpid(child, &wstatus, 0) < 0) {
    if (errno != EINTR) return ErrnoStatus(absl::StrCat(command, ": waitpid"));
  }
  if (WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0) return absl::OkStatus();
  std::string why(absl::StripAsciiWhitespace(output));
  if (why.empty()) why = DescribeWait(wstatus);
  return absl::FailedPreconditionError(absl::StrCat(command, ": ", why));
}

absl::StatusOr<pid_t> CreateContainer(const CreateRequest& req) {
  const LaunchPlan& plan = *req.plan;
  // Idmapped trees are made here, as host root, and inherited by the init
  // (plan.mounts[i] is the spec's mounts[i]).
  std::vector<UniqueFd> idmapped_trees;
  std::vector<int> idmapped_fds(plan.mounts.size(), -1);
  for (size_t i = 0; i < plan.mounts.size(); ++i) {
    const MountStep& m = plan.mounts[i];
    if (!m.idmap || m.idmap_in_init) continue;
    absl::StatusOr<UniqueFd> tree = PrepareIdmappedMount(m);
    if (!tree.ok()) {
      return Annotate(tree.status(),
                      absl::StrCat("mounts[", i, "] (", m.destination, ")"));
    }
    idmapped_fds[i] = tree->get();
    idmapped_trees.push_back(*std::move(tree));
  }
  std::string fifo = JoinPath(req.state_dir, kExecFifoName);
  if (mkfifo(fifo.c_str(), 0622) != 0) return ErrnoStatus("mkfifo", fifo);
  auto remove_fifo = [&] { unlink(fifo.c_str()); };
  // The init opens it after becoming root of its user namespace, which may
  // be another host user: it must own the FIFO (umask aside).
  if (chmod(fifo.c_str(), 0622) != 0 ||
      chown(fifo.c_str(), HostId(plan.uid_mappings, 0, geteuid()),
            HostId(plan.gid_mappings, 0, getegid())) != 0) {
    absl::Status s = ErrnoStatus("set owner of", fifo);
    remove_fifo();
    return s;
  }

  UniqueFd state_dir(
      open(req.state_dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  int sync_pipe[2], go_pipe[2];
  if (!state_dir || pipe2(sync_pipe, O_CLOEXEC) != 0) {
    remove_fifo();
    return ErrnoStatus("open", req.state_dir);
  }
  UniqueFd sync_read(sync_pipe[0]), sync_write(sync_pipe[1]);
  if (pipe2(go_pipe, O_CLOEXEC) != 0) {
    remove_fifo();
    return ErrnoStatus("pipe");
  }
  UniqueFd go_read(go_pipe[0]), go_write(go_pipe[1]);

  absl::StatusOr<SelfJoinFiles> cgroup =
      SelfJoinFiles::Open(req.join_tasks_files, req.clone_into_cgroup);
  if (!cgroup.ok()) {
    remove_fifo();
    return cgroup.status();
  }
  const std::vector<int>& tasks_fds = cgroup->tasks_fds;
  auto move_into_cgroup = [&](pid_t child) -> absl::Status {
    absl::Status s = cgroup->Move(child);
    if (!s.ok()) {
      kill(child, SIGKILL);
      waitpid(child, nullptr, 0);
      remove_fifo();
    }
    return s;
  };

  fflush(nullptr);
  // The cgroup namespace is made by the init itself once the caller has
  // moved it into its cgroups (see InitMain), so that its root is the
  // container's cgroup and not the caller's.
  int flags = plan.clone_flags & ~(CLONE_NEWTIME | CLONE_NEWCGROUP);
  bool intermediate = !plan.joins.empty() || (plan.clone_flags & CLONE_NEWTIME);
  pid_t pid;
  if (!intermediate) {
    bool born_in_cgroup;
    pid = cgroup->Clone(flags, &born_in_cgroup);
    if (pid > 0 && !born_in_cgroup) RETURN_IF_ERROR(move_into_cgroup(pid));
    if (pid < 0) {
      remove_fifo();
      return ErrnoStatus("clone");
    }
    if (pid == 0) {
      sync_read.Reset();
      go_write.Reset();
      InitMain(req, idmapped_fds, tasks_fds, sync_write.get(), go_read.get(),
               state_dir.get());
    }
  } else {
    // setns() into a pid namespace only affects children, and the caller
    // must stay in its own mount namespace: a short-lived process joins,
    // then forks the init.
    pid_t mid = CloneProcess(0);
    if (mid < 0) {
      remove_fifo();
      return ErrnoStatus("fork");
    }
    if (mid == 0) {
      sync_read.Reset();
      go_write.Reset();
      for (const NamespaceJoin& j : plan.joins) {
        int fd = open(j.path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0)
          ChildFail(sync_write.get(), ErrnoStatus("open namespace", j.path));
        if (setns(fd, CloneFlag(j.type)) != 0) {
          ChildFail(
              sync_write.get(),
              ErrnoStatus(absl::StrCat("join ", oci::NamespaceTypeName(j.type),
                                       " namespace"),
                          j.path));
        }
        close(fd);
      }
      if ((plan.clone_flags & CLONE_NEWTIME) && unshare(CLONE_NEWTIME) != 0) {
        ChildFail(sync_write.get(), ErrnoStatus("unshare time namespace"));
      }
      // Offsets can only be set before a process lives in the namespace.
      if (!plan.time_offsets.empty()) {
        absl::Status s =
            WriteExistingFile("/proc/self/timens_offsets", plan.time_offsets);
        if (!s.ok()) ChildFail(sync_write.get(), s);
      }
      // Born in its v2 cgroup where the kernel allows it from here (the
      // checks are this process's, now in the joined namespaces).
      bool in_cgroup;
      pid_t init = cgroup->Clone(flags, &in_cgroup);
      if (init < 0) ChildFail(sync_write.get(), ErrnoStatus("clone"));
      if (init == 0) {
        InitMain(req, idmapped_fds, tasks_fds, sync_write.get(), go_read.get(),
                 state_dir.get());
      }
      char msg[1 + sizeof(pid_t)];
      msg[0] = in_cgroup ? kPid : kPidOutsideCgroup;
      memcpy(msg + 1, &init, sizeof(pid_t));
      WriteAll(sync_write.get(), msg, sizeof(msg));
      _exit(0);
    }
    // Only the children may hold the write end, or no read could end.
    sync_write.Reset();
    ChildReader sync(sync_read.get(), mid);
    Forked init = ReadForked(sync, "joining namespaces failed");
    waitpid(mid, nullptr, 0);
    if (init.pid == 0) {
      remove_fifo();
      return absl::FailedPreconditionError(init.error);
    }
    pid = init.pid;
    if (!init.in_cgroup) RETURN_IF_ERROR(move_into_cgroup(pid));
  }
  sync_write.Reset();
  go_read.Reset();
  cgroup->Close();
  ChildReader sync(sync_read.get(), pid);

  auto kill_init = [&] {
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
    remove_fifo();
  };
  absl::Status s;
  if (plan.clone_flags & CLONE_NEWUSER) s = WriteIdMappings(pid, plan);
  if (s.ok() && req.on_init_created) s = req.on_init_created(pid);
  if (s.ok() && !WriteAll(go_write.get(), &kGo, 1))
    s = ErrnoStatus("write to init");
  if (!s.ok()) {
    kill_init();
    return s;
  }
  if (!plan.hook_sync) go_write.Reset();
  s = AwaitReady(sync, go_write.get(), pid, req);
  if (!s.ok()) {
    remove_fifo();
    return s;
  }
  return pid;
}

absl::StatusOr<pid_t> ExecInContainer(const ExecRequest& req) {
  int sync_pipe[2], go_pipe[2];
  if (pipe2(sync_pipe, O_CLOEXEC) != 0) return ErrnoStatus("pipe");
  UniqueFd sync_read(sync_pipe[0]), sync_write(sync_pipe[1]);
  if (pipe2(go_pipe, O_CLOEXEC) != 0) return ErrnoStatus("pipe");
  UniqueFd go_read(go_pipe[0]), go_write(go_pipe[1]);
  ASSIGN_OR_RETURN(
      SelfJoinFiles cgroup,
      SelfJoinFiles::Open(req.join_tasks_files, req.clone_into_cgroup));
  fflush(nullptr);
  pid_t mid = CloneProcess(0);
  if (mid < 0) return ErrnoStatus("fork");
  if (mid == 0) {
    sync_read.Reset();
    go_write.Reset();
    int sync_fd = sync_write.get();
    for (const NamespaceJoin& j : req.joins) {
      int fd = open(j.path.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0) ChildFail(sync_fd, ErrnoStatus("open namespace", j.path));
      if (setns(fd, CloneFlag(j.type)) != 0) {
        ChildFail(
            sync_fd,
            ErrnoStatus(absl::StrCat("join ", oci::NamespaceTypeName(j.type),
                                     " namespace"),
                        j.path));
      }
      close(fd);
    }
    bool in_cgroup;
    pid_t child = cgroup.Clone(0, &in_cgroup);
    if (child < 0) ChildFail(sync_fd, ErrnoStatus("fork"));
    if (child == 0) {
      ResetSignals();
      InstallStdio(req.stdio);
      std::vector<int> keep = {sync_fd, go_read.get(), req.console_socket};
      keep.insert(keep.end(), cgroup.tasks_fds.begin(), cgroup.tasks_fds.end());
      CloseFdsExcept(req.preserve_fds, std::move(keep));
      char go = 0;
      if (ReadFull(go_read.get(), &go, 1) != 1 || go != kGo) _exit(1);
      ProcessPlan p = *req.process;
      AddHomeIfMissing(&p);
      absl::Status s = cgroup.JoinV1();
      if (setsid() < 0) s = ErrnoStatus("setsid");
      if (s.ok() && p.terminal && req.console_socket >= 0) {
        s = SetupConsole(req.console_socket, p.console_size);
        close(req.console_socket);
      }
      if (s.ok()) s = ApplyRlimits(p);
      if (s.ok()) s = ApplyIoPriorityAndPersonality(p);
      absl::StatusOr<std::string> exe = ResolveExecutable(p);
      if (s.ok()) s = exe.status();
      for (int fd = 3; fd < 3 + req.preserve_fds; ++fd) fcntl(fd, F_SETFD, 0);
      if (s.ok()) s = ApplyExecLabels(p);
      if (s.ok()) s = BecomeProcessUser(p, req.seccomp);
      // Success closes the sync pipe by exec (CLOEXEC): EOF means started.
      if (s.ok()) s = Exec(*exe, p);
      ChildFail(sync_fd, s);
    }
    char msg[1 + sizeof(pid_t)];
    msg[0] = in_cgroup ? kPid : kPidOutsideCgroup;
    memcpy(msg + 1, &child, sizeof(pid_t));
    WriteAll(sync_fd, msg, sizeof(msg));
    _exit(0);
  }
  sync_write.Reset();
  go_read.Reset();
  cgroup.tasks.clear();
  ChildReader sync(sync_read.get(), mid);
  Forked child = ReadForked(sync, "joining the container's namespaces failed");
  waitpid(mid, nullptr, 0);
  if (child.pid == 0) return absl::FailedPreconditionError(child.error);
  pid_t pid = child.pid;
  sync.Watch(pid);
  absl::Status s;
  if (!child.in_cgroup) s = cgroup.Move(pid);
  if (s.ok() && req.on_created) s = req.on_created(pid);
  if (s.ok() && !WriteAll(go_write.get(), &kGo, 1)) {
    s = ErrnoStatus("write to process");
  }
  if (!s.ok()) {
    kill(pid, SIGKILL);
    return s;
  }
  go_write.Reset();
  // Success closes the pipe by exec (CLOEXEC): end of file means started.
  char tag = 0;
  if (sync.ReadFull(&tag, 1)) {
    std::string err = tag == kTagError ? sync.ReadErrorMessage() : "";
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);  // Ours if we are the subreaper.
    return absl::FailedPreconditionError(
        err.empty() ? "the process failed before its exec" : err);
  }
  return pid;
}

bool ExecFifoExists(const std::string& state_dir) {
  return PathExists(JoinPath(state_dir, kExecFifoName));
}

absl::Status StartContainer(const std::string& state_dir, pid_t pid) {
  std::string fifo = JoinPath(state_dir, kExecFifoName);
  // Non-blocking, so a dead init cannot make `start` hang: poll instead.
  UniqueFd fd(open(fifo.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
  if (!fd) {
    if (errno == ENOENT) {
      return absl::FailedPreconditionError("container was already started");
    }
    return ErrnoStatus("open", fifo);
  }
  while (true) {
    struct pollfd p = {fd.get(), POLLIN, 0};
    int n = poll(&p, 1, 100);
    if (n < 0 && errno != EINTR) return ErrnoStatus("poll", fifo);
    if (n > 0) {
      char c;
      ssize_t r = read(fd.get(), &c, 1);
      if (r == 1) break;
      if (r < 0 && errno == EAGAIN) continue;
      return absl::FailedPreconditionError(
          "container init exited before it was started");
    }
    if (ProcessGone(pid)) {
      unlink(fifo.c_str());
      return absl::FailedPreconditionError(
          "container init exited before it was started");
    }
  }
  if (unlink(fifo.c_str()) != 0) return ErrnoStatus("remove", fifo);
  return absl::OkStatus();
}

}  // namespace crate::linux
