#include "cli/crate/service_starter.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"

namespace crate::cli {
namespace {

std::string DirName(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

bool Executable(const std::string& path) {
  return access(path.c_str(), X_OK) == 0;
}

}  // namespace

std::string FindSiblingBinary(const std::string& name) {
  char self[4096];
  ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
  if (n <= 0) return "";
  self[n] = '\0';
  std::string dir = DirName(self);
  for (const std::string& candidate :
       {absl::StrCat(dir, "/", name),
        absl::StrCat(dir, "/../", name, "/", name)}) {
    if (Executable(candidate)) return candidate;
  }
  return "";
}

namespace {

std::string FindCrated(const std::string& given) {
  if (!given.empty()) return given;
  if (const char* env = getenv("CRATE_CRATED"); env != nullptr && *env) {
    return env;
  }
  if (std::string sibling = FindSiblingBinary("crated"); !sibling.empty()) {
    return sibling;
  }
  if (const char* path = getenv("PATH")) {
    for (absl::string_view d : absl::StrSplit(path, ':')) {
      std::string candidate = absl::StrCat(d, "/crated");
      if (!d.empty() && Executable(candidate)) return candidate;
    }
  }
  return "crated";
}

// The last lines of crated's log, for an error.
std::string LogTail(const std::string& log) {
  int fd = open(log.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return "";
  char buf[2048];
  off_t size = lseek(fd, 0, SEEK_END);
  off_t from = size > static_cast<off_t>(sizeof(buf)) ? size - sizeof(buf) : 0;
  ssize_t n = pread(fd, buf, sizeof(buf), from);
  close(fd);
  if (n <= 0) return "";
  std::string tail(buf, static_cast<size_t>(n));
  while (!tail.empty() && (tail.back() == '\n' || tail.back() == ' ')) {
    tail.pop_back();
  }
  return tail;
}

// Starts crated in a session of its own, not a child of this process (a
// grandchild whose parent exits at once), with its output in `log`.
absl::Status Spawn(const std::string& crated,
                   const std::vector<std::string>& args,
                   const std::string& log) {
  std::vector<std::string> argv_s = {crated};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t child = fork();
  if (child < 0)
    return absl::InternalError(absl::StrCat("fork: ", strerror(errno)));
  if (child == 0) {
    setsid();
    if (fork() != 0) _exit(0);
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    int out =
        open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (null >= 0) dup2(null, STDIN_FILENO);
    if (out >= 0) {
      dup2(out, STDOUT_FILENO);
      dup2(out, STDERR_FILENO);
    }
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    execv(argv[0], argv.data());
    dprintf(STDERR_FILENO, "exec %s: %s\n", argv[0], strerror(errno));
    _exit(127);
  }
  int status = 0;
  while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  return absl::OkStatus();
}

}  // namespace

bool ServiceAnswers(const std::string& socket_path) {
  sockaddr_un addr = {};
  addr.sun_family = AF_UNIX;
  if (socket_path.size() >= sizeof(addr.sun_path)) return false;
  memcpy(addr.sun_path, socket_path.c_str(), socket_path.size() + 1);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  bool ok =
      connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) == 0;
  close(fd);
  return ok;
}

absl::Status EnsureService(const StartOptions& options) {
  if (ServiceAnswers(options.socket_path)) return absl::OkStatus();
  std::string run = DirName(options.socket_path);
  // Parents first (as mkdir -p); only the last error counts.
  for (size_t at = run.find('/', 1); at != std::string::npos;
       at = run.find('/', at + 1)) {
    mkdir(run.substr(0, at).c_str(), 0711);
  }
  if (mkdir(run.c_str(), 0711) != 0 && errno != EEXIST) {
    return absl::PermissionDeniedError(absl::StrCat(
        "cannot make ", run, " to start crated: ", strerror(errno)));
  }
  std::string lock_path = run + "/start.lock";
  int lock = open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lock < 0) {
    return absl::PermissionDeniedError(
        absl::StrCat("open ", lock_path, ": ", strerror(errno)));
  }
  while (flock(lock, LOCK_EX) != 0 && errno == EINTR) {
  }
  // Another client may have started it while we waited for the lock.
  absl::Status result = absl::OkStatus();
  if (!ServiceAnswers(options.socket_path)) {
    std::string crated = FindCrated(options.crated);
    std::string log = run + "/crated.log";
    result = Spawn(crated, options.crated_args, log);
    absl::Time deadline = absl::Now() + options.timeout;
    while (result.ok() && !ServiceAnswers(options.socket_path)) {
      if (absl::Now() > deadline) {
        std::string tail = LogTail(log);
        result = absl::UnavailableError(absl::StrCat(
            "started ", crated, " but nothing answers on ", options.socket_path,
            " after ", absl::FormatDuration(options.timeout),
            tail.empty() ? "" : absl::StrCat(" (", log, ": ", tail, ")")));
        break;
      }
      absl::SleepFor(absl::Milliseconds(5));
    }
  }
  close(lock);  // Drops the lock.
  return result;
}

}  // namespace crate::cli
