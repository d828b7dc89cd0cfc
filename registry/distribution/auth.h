// Registry authentication: the WWW-Authenticate challenge and the
// docker-compatible credential files that `crate login` writes.
#ifndef CRATE_REGISTRY_DISTRIBUTION_AUTH_H_
#define CRATE_REGISTRY_DISTRIBUTION_AUTH_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/optional.h"

namespace crate::registry {

// One challenge of a WWW-Authenticate header: `Bearer realm="...",
// service="...",scope="..."` or `Basic realm="..."`. The scheme is lower
// case; parameter names too.
struct AuthChallenge {
  std::string scheme;
  std::map<std::string, std::string> params;

  std::string Param(const std::string& name) const {
    auto it = params.find(name);
    return it == params.end() ? "" : it->second;
  }
};

// Parses a header value that may hold several challenges
// (`Bearer a="1", Basic realm="x"`). Quoted strings may contain commas and
// backslash escapes.
absl::StatusOr<std::vector<AuthChallenge>> ParseWwwAuthenticate(
    absl::string_view header);

struct Credentials {
  std::string username;
  std::string password;
  // An OAuth2 refresh token docker stores as "identitytoken"; used instead
  // of the password at the token endpoint.
  std::string identity_token;
};

// The registry key under which docker stores Docker Hub credentials.
inline constexpr char kDockerHubAuthKey[] = "https://index.docker.io/v1/";

// Reads {"auths": {"<host>": {"auth": "base64(user:pass)"}}} files, docker's
// ~/.docker/config.json included. Files earlier in the list win. Like
// docker, "credHelpers" ({"<host>": "<name>"}) and "credsStore" ("<name>")
// name docker-credential-<name> programs that are asked first; a program
// that is missing or knows nothing falls back to "auths".
class CredentialStore {
 public:
  // Missing files are fine; unreadable or malformed ones are errors naming
  // the file.
  static absl::StatusOr<CredentialStore> Load(
      const std::vector<std::string>& paths);

  // Looks a registry host ("docker.io", "127.0.0.1:5000") up. Keys may be
  // written as URLs ("https://host/v1/"); Docker Hub is found under any of
  // its names.
  absl::optional<Credentials> Lookup(const std::string& host) const;

  // Adds or replaces the entry for `host` in the file at `path`, keeping its
  // other content; the file is written atomically with mode 0600.
  static absl::Status Store(const std::string& path, const std::string& host,
                            const Credentials& credentials);
  // Removes the entry; NotFound if there was none.
  static absl::Status Erase(const std::string& path, const std::string& host);

 private:
  absl::optional<Credentials> FromCredentialProgram(
      const std::string& name, const std::string& host) const;

  std::map<std::string, Credentials> by_host_;
  std::map<std::string, std::string> programs_;  // host -> program name
  std::string default_program_;                  // credsStore
  // Program answers, so that a program is run once per host, not per request.
  struct ProgramCache;
  std::shared_ptr<ProgramCache> program_cache_;
};

// ~/.docker/config.json, or $DOCKER_CONFIG/config.json.
std::string DockerConfigPath();

// "host:port" from a key that may be a URL.
std::string NormalizeAuthKey(absl::string_view key);

}  // namespace crate::registry

#endif  // CRATE_REGISTRY_DISTRIBUTION_AUTH_H_
