#include "registry/distribution/test_blob_server.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <nlohmann/json.hpp>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "runtime/base/errno_status.h"
#include "runtime/base/file_util.h"
#include "runtime/base/status_macros.h"

namespace crate::registry::testing {

absl::StatusOr<std::unique_ptr<BlobServer>> BlobServer::Start(
    const std::string& dir, const std::string& blob,
    const std::map<std::string, std::string>& env) {
  std::unique_ptr<BlobServer> s(new BlobServer);
  RETURN_IF_ERROR(MakeDirs(dir));
  std::string blob_file = JoinPath(dir, "blob");
  RETURN_IF_ERROR(WriteFileAtomic(blob_file, blob));
  const char* srcdir = getenv("TEST_SRCDIR");
  std::string script =
      JoinPath(srcdir != nullptr ? srcdir : ".",
               "crate/registry/distribution/testdata/blob_server.py");
  std::string port_file = JoinPath(dir, "port");
  s->log_ = JoinPath(dir, "log");
  s->pid_ = fork();
  if (s->pid_ < 0) return ErrnoStatus("fork");
  if (s->pid_ == 0) {
    for (const auto& [k, v] : env) setenv(k.c_str(), v.c_str(), 1);
    execl("/usr/bin/python3", "python3", script.c_str(), blob_file.c_str(),
          port_file.c_str(), s->log_.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  for (int i = 0; i < 400 && !PathExists(port_file); ++i) {
    absl::SleepFor(absl::Milliseconds(25));
  }
  ASSIGN_OR_RETURN(std::string port, ReadFile(port_file));
  s->host_ = absl::StrCat("127.0.0.1:", port);
  return s;
}

BlobServer::~BlobServer() {
  if (pid_ > 0) {
    kill(pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
  }
}

std::vector<std::string> BlobServer::Ranges(const std::string& repo) const {
  std::vector<std::string> out;
  absl::StatusOr<std::string> log = ReadFile(log_);
  if (!log.ok()) return out;
  for (absl::string_view line : absl::StrSplit(*log, '\n', absl::SkipEmpty())) {
    nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
    if (!j.is_object()) continue;
    std::string auth =
        j["auth"].is_string() ? j["auth"].get<std::string>() : "";
    if (absl::StartsWith(j["path"].get<std::string>(), "/v2/" + repo + "/") &&
        absl::StartsWith(auth, "Bearer")) {
      out.push_back(j["range"].is_string() ? j["range"].get<std::string>()
                                           : "-");
    }
  }
  return out;
}

}  // namespace crate::registry::testing
