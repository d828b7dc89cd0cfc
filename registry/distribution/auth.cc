#include "registry/distribution/auth.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "runtime/base/file_util.h"
#include "runtime/base/status_macros.h"

namespace crate::registry {
namespace {

bool IsTokenChar(char c) {
  return absl::ascii_isalnum(c) || strchr("!#$%&'*+-.^_`|~", c) != nullptr;
}

bool IsDockerHub(absl::string_view host) {
  return host == "docker.io" || host == "index.docker.io" ||
         host == "registry-1.docker.io";
}

absl::StatusOr<nlohmann::json> ReadJsonFile(const std::string& path,
                                            bool missing_ok) {
  if (!PathExists(path)) {
    if (missing_ok) return nlohmann::json::object();
    return absl::NotFoundError(absl::StrCat(path, ": no such file"));
  }
  ASSIGN_OR_RETURN(std::string text, ReadFile(path, 4 << 20));
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return absl::InvalidArgumentError(
        absl::StrCat("credentials file ", path, ": not a JSON object"));
  }
  return j;
}

}  // namespace

absl::StatusOr<std::vector<AuthChallenge>> ParseWwwAuthenticate(
    absl::string_view h) {
  std::vector<AuthChallenge> out;
  size_t i = 0;
  auto skip_ws = [&] {
    while (i < h.size() && (h[i] == ' ' || h[i] == '\t')) ++i;
  };
  auto token = [&] {
    size_t start = i;
    while (i < h.size() && IsTokenChar(h[i])) ++i;
    return std::string(h.substr(start, i - start));
  };
  auto bad = [&](absl::string_view why) {
    return absl::InvalidArgumentError(
        absl::StrCat("WWW-Authenticate \"", h, "\": ", why, " at offset ", i));
  };
  while (true) {
    skip_ws();
    while (i < h.size() && h[i] == ',') {
      ++i;
      skip_ws();
    }
    if (i >= h.size()) break;
    AuthChallenge c;
    c.scheme = absl::AsciiStrToLower(token());
    if (c.scheme.empty()) return bad("expected an auth scheme");
    // Parameters until the next "token SP" that starts a new challenge.
    while (true) {
      skip_ws();
      size_t save = i;
      std::string name = absl::AsciiStrToLower(token());
      skip_ws();
      if (name.empty() || i >= h.size() || h[i] != '=') {
        i = save;  // A new challenge (or the end).
        break;
      }
      ++i;
      skip_ws();
      std::string value;
      if (i < h.size() && h[i] == '"') {
        ++i;
        bool closed = false;
        while (i < h.size()) {
          char ch = h[i++];
          if (ch == '\\' && i < h.size()) {
            value.push_back(h[i++]);
          } else if (ch == '"') {
            closed = true;
            break;
          } else {
            value.push_back(ch);
          }
        }
        if (!closed) return bad("unterminated quoted string");
      } else {
        // Lenient: registries send unquoted URLs, which are not tokens.
        size_t start = i;
        while (i < h.size() && h[i] != ',' && h[i] != ' ' && h[i] != '\t') ++i;
        value = std::string(h.substr(start, i - start));
      }
      c.params[name] = value;
      skip_ws();
      if (i < h.size() && h[i] == ',') ++i;
    }
    out.push_back(std::move(c));
  }
  if (out.empty()) return bad("no challenge");
  return out;
}

std::string NormalizeAuthKey(absl::string_view key) {
  absl::ConsumePrefix(&key, "https://");
  absl::ConsumePrefix(&key, "http://");
  size_t slash = key.find('/');
  if (slash != absl::string_view::npos) key = key.substr(0, slash);
  return std::string(key);
}

std::string DockerConfigPath() {
  const char* dir = getenv("DOCKER_CONFIG");
  if (dir != nullptr && *dir != '\0') return JoinPath(dir, "config.json");
  const char* home = getenv("HOME");
  return JoinPath(home != nullptr ? home : "/root", ".docker/config.json");
}

struct CredentialStore::ProgramCache {
  absl::Mutex mu;
  std::map<std::string, absl::optional<Credentials>> answers
      ABSL_GUARDED_BY(mu);
};

absl::StatusOr<CredentialStore> CredentialStore::Load(
    const std::vector<std::string>& paths) {
  CredentialStore store;
  store.program_cache_ = std::make_shared<ProgramCache>();
  for (const std::string& path : paths) {
    if (path.empty()) continue;
    ASSIGN_OR_RETURN(nlohmann::json j, ReadJsonFile(path, /*missing_ok=*/true));
    if (j.contains("credsStore") && j["credsStore"].is_string() &&
        store.default_program_.empty()) {
      store.default_program_ = j["credsStore"].get<std::string>();
    }
    if (j.contains("credHelpers") && j["credHelpers"].is_object()) {
      for (const auto& [key, name] : j["credHelpers"].items()) {
        if (!name.is_string()) continue;
        std::string host = NormalizeAuthKey(key);
        if (IsDockerHub(host)) host = "docker.io";
        store.programs_.emplace(host, name.get<std::string>());
      }
    }
    auto auths = j.find("auths");
    if (auths == j.end() || !auths->is_object()) continue;
    for (const auto& [key, entry] : auths->items()) {
      if (!entry.is_object()) continue;
      Credentials c;
      if (entry.contains("auth") && entry["auth"].is_string()) {
        std::string decoded;
        if (!absl::Base64Unescape(entry["auth"].get<std::string>(), &decoded)) {
          return absl::InvalidArgumentError(
              absl::StrCat("credentials file ", path, ": entry \"", key,
                           "\": \"auth\" is not base64"));
        }
        size_t colon = decoded.find(':');
        if (colon == std::string::npos) {
          return absl::InvalidArgumentError(
              absl::StrCat("credentials file ", path, ": entry \"", key,
                           "\": \"auth\" is not user:password"));
        }
        c.username = decoded.substr(0, colon);
        c.password = decoded.substr(colon + 1);
      }
      if (entry.contains("identitytoken") &&
          entry["identitytoken"].is_string()) {
        c.identity_token = entry["identitytoken"].get<std::string>();
      }
      if (c.username.empty() && c.identity_token.empty()) continue;
      std::string host = NormalizeAuthKey(key);
      if (IsDockerHub(host)) host = "docker.io";
      store.by_host_.emplace(host, c);  // The first file wins.
    }
  }
  return store;
}

absl::optional<Credentials> CredentialStore::Lookup(
    const std::string& host) const {
  std::string key = IsDockerHub(host) ? "docker.io" : host;
  auto program = programs_.find(key);
  std::string name =
      program != programs_.end() ? program->second : default_program_;
  if (!name.empty() && program_cache_ != nullptr) {
    absl::optional<Credentials> c;
    absl::MutexLock l(&program_cache_->mu);
    auto cached = program_cache_->answers.find(key);
    if (cached != program_cache_->answers.end()) {
      c = cached->second;
    } else {
      c = FromCredentialProgram(name, key);
      program_cache_->answers[key] = c;
    }
    if (c.has_value()) return c;
  }
  auto it = by_host_.find(key);
  if (it == by_host_.end()) return absl::nullopt;
  return it->second;
}

// docker-credential-<name> get: the server on stdin, JSON on stdout.
absl::optional<Credentials> CredentialStore::FromCredentialProgram(
    const std::string& name, const std::string& host) const {
  if (name.find('/') != std::string::npos) return absl::nullopt;
  std::string server = host == "docker.io" ? kDockerHubAuthKey : host;
  int in[2], out[2];
  // A socket rather than a pipe for the program's stdin: one that exits
  // without reading must not kill us with SIGPIPE (send has MSG_NOSIGNAL).
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, in) != 0) {
    return absl::nullopt;
  }
  if (pipe2(out, O_CLOEXEC) != 0) {
    close(in[0]);
    close(in[1]);
    return absl::nullopt;
  }
  std::string program = "docker-credential-" + name;
  pid_t pid = fork();
  if (pid == 0) {
    dup2(in[0], 0);
    dup2(out[1], 1);
    int devnull = open("/dev/null", O_WRONLY);
    if (devnull >= 0) dup2(devnull, 2);
    execlp(program.c_str(), program.c_str(), "get",
           static_cast<char*>(nullptr));
    _exit(127);
  }
  close(in[0]);
  close(out[1]);
  if (pid > 0) {
    // A server name is far below the pipe buffer: this cannot block.
    ssize_t w = send(in[1], server.data(), server.size(), MSG_NOSIGNAL);
    (void)w;
  }
  close(in[1]);
  std::string reply;
  char buf[4096];
  for (ssize_t n; pid > 0 && (n = read(out[0], buf, sizeof(buf))) != 0;) {
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (reply.size() < (1 << 20)) reply.append(buf, static_cast<size_t>(n));
  }
  close(out[0]);
  if (pid < 0) return absl::nullopt;
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return absl::nullopt;
  nlohmann::json j = nlohmann::json::parse(reply, nullptr, false);
  if (!j.is_object()) return absl::nullopt;
  Credentials c;
  std::string user = j.value("Username", std::string());
  std::string secret = j.value("Secret", std::string());
  if (secret.empty()) return absl::nullopt;
  // Docker's convention for an identity (refresh) token.
  if (user == "<token>") {
    c.identity_token = secret;
  } else {
    c.username = user;
    c.password = secret;
  }
  return c;
}

absl::Status CredentialStore::Store(const std::string& path,
                                    const std::string& host,
                                    const Credentials& credentials) {
  ASSIGN_OR_RETURN(nlohmann::json j, ReadJsonFile(path, /*missing_ok=*/true));
  if (!j.contains("auths") || !j["auths"].is_object()) {
    j["auths"] = nlohmann::json::object();
  }
  nlohmann::json entry = nlohmann::json::object();
  entry["auth"] = absl::Base64Escape(
      absl::StrCat(credentials.username, ":", credentials.password));
  if (!credentials.identity_token.empty()) {
    entry["identitytoken"] = credentials.identity_token;
  }
  j["auths"][host] = entry;
  size_t slash = path.rfind('/');
  if (slash != std::string::npos && slash > 0) {
    RETURN_IF_ERROR(MakeDirs(path.substr(0, slash), 0700));
  }
  return WriteFileAtomic(path, j.dump(1, '\t') + "\n", 0600);
}

absl::Status CredentialStore::Erase(const std::string& path,
                                    const std::string& host) {
  ASSIGN_OR_RETURN(nlohmann::json j, ReadJsonFile(path, /*missing_ok=*/true));
  bool erased = false;
  if (j.contains("auths") && j["auths"].is_object()) {
    for (auto it = j["auths"].begin(); it != j["auths"].end();) {
      if (NormalizeAuthKey(it.key()) == host) {
        it = j["auths"].erase(it);
        erased = true;
      } else {
        ++it;
      }
    }
  }
  if (!erased) {
    return absl::NotFoundError(
        absl::StrCat("not logged in to ", host, " (", path, ")"));
  }
  return WriteFileAtomic(path, j.dump(1, '\t') + "\n", 0600);
}

}  // namespace crate::registry
