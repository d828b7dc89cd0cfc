#include "registry/distribution/registries_conf.h"

#include <stdlib.h>
#include <toml++/toml.h>
#include <unistd.h>

#include <algorithm>
#include <exception>
#include <string_view>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "registry/distribution/registries_conf_table.h"
#include "runtime/base/file_util.h"
#include "runtime/base/status_macros.h"

namespace crate::registry {
namespace {

constexpr uint64_t kMaxConfBytes = 1 << 20;

class ConfError {
 public:
  explicit ConfError(const std::string& path) : path_(path) {}
  absl::Status At(const toml::source_region& where, absl::string_view key,
                  absl::string_view reason) const {
    return absl::InvalidArgumentError(
        absl::StrCat(path_, ":", where.begin.line, ": ", key, ": ", reason));
  }

 private:
  const std::string& path_;
};

// Registry names as they appear in image references: "host" or "host:port",
// never a URL or a repository path, so that a lookup by an image's domain
// finds them.
absl::StatusOr<std::string> ParseHost(const toml::node& node,
                                      absl::string_view key,
                                      const ConfError& err) {
  const toml::value<std::string>* v = node.as_string();
  if (v == nullptr) return err.At(node.source(), key, "must be a string");
  std::string host = v->get();
  if (host.empty()) return err.At(node.source(), key, "is empty");
  if (absl::StrContains(host, "://") || absl::StrContains(host, "/") ||
      std::any_of(host.begin(), host.end(),
                  [](unsigned char c) { return absl::ascii_isspace(c); })) {
    return err.At(node.source(), key,
                  absl::StrCat("\"", host,
                               "\" is not a registry host (\"host\" or "
                               "\"host:port\", without scheme or path)"));
  }
  host = absl::AsciiStrToLower(host);
  // Docker Hub goes by several names; images name it docker.io.
  if (host == "index.docker.io" || host == "registry-1.docker.io") {
    host = "docker.io";
  }
  return host;
}

absl::Status ParseRegistry(const toml::table& t, const ConfError& err,
                           RegistriesConf& conf) {
  const toml::node* location = t.get("location");
  if (location == nullptr) {
    return err.At(t.source(), "registry", "has no \"location\"");
  }
  ASSIGN_OR_RETURN(std::string host,
                   ParseHost(*location, "registry.location", err));
  for (auto&& [k, v] : t) {
    const std::string key(k.str());
    const std::string qualified = "registry." + key;
    if (key == "location") continue;
    if (key == "insecure") {
      const toml::value<bool>* b = v.as_boolean();
      if (b == nullptr)
        return err.At(v.source(), qualified, "must be true or false");
      if (b->get() && std::find(conf.insecure_registries.begin(),
                                conf.insecure_registries.end(),
                                host) == conf.insecure_registries.end()) {
        conf.insecure_registries.push_back(host);
      }
    } else if (key == "mirrors") {
      const toml::array* a = v.as_array();
      if (a == nullptr) {
        return err.At(v.source(), qualified, "must be an array of hosts");
      }
      std::vector<std::string>& mirrors = conf.mirrors[host];
      for (const toml::node& m : *a) {
        ASSIGN_OR_RETURN(std::string mh, ParseHost(m, qualified, err));
        if (mh == host) {
          return err.At(m.source(), qualified,
                        absl::StrCat("\"", mh, "\" is a mirror of itself"));
        }
        mirrors.push_back(std::move(mh));
      }
    } else {
      return err.At(k.source(), qualified, "unknown key");
    }
  }
  return absl::OkStatus();
}

}  // namespace

std::string DefaultRegistriesConfPath() {
  if (geteuid() == 0) return "/etc/crate/registries.toml";
  const char* xdg = getenv("XDG_CONFIG_HOME");
  if (xdg != nullptr && xdg[0] == '/') {
    return JoinPath(xdg, "crate/registries.toml");
  }
  const char* home = getenv("HOME");
  return JoinPath(JoinPath(home != nullptr ? home : "/", ".config"),
                  "crate/registries.toml");
}

absl::StatusOr<RegistriesConf> ParseRegistriesConf(absl::string_view text,
                                                   const std::string& path) {
  toml::table root;
  try {
    root = toml::parse(std::string_view(text.data(), text.size()),
                       std::string_view(path));
  } catch (const toml::parse_error& e) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ":", e.source().begin.line, ": ", std::string(e.description())));
  }
  return RegistriesConfFromTable(root, path);
}

absl::StatusOr<RegistriesConf> RegistriesConfFromTable(
    const toml::table& root, const std::string& path) {
  const ConfError err(path);
  RegistriesConf conf;
  conf.path = path;
  for (auto&& [k, v] : root) {
    const std::string key(k.str());
    if (key == "certs_dir") {
      const toml::value<std::string>* s = v.as_string();
      if (s == nullptr || s->get().empty() || s->get()[0] != '/') {
        return err.At(v.source(), key, "must be an absolute path");
      }
      conf.certs_dir = s->get();
    } else if (key == "registry") {
      const toml::array* a = v.as_array();
      if (a == nullptr) {
        return err.At(v.source(), key,
                      "must be an array of tables ([[registry]])");
      }
      for (const toml::node& r : *a) {
        const toml::table* t = r.as_table();
        if (t == nullptr) {
          return err.At(r.source(), key,
                        "must be an array of tables ([[registry]])");
        }
        RETURN_IF_ERROR(ParseRegistry(*t, err, conf));
      }
    } else {
      return err.At(k.source(), key, "unknown key");
    }
  }
  return conf;
}

absl::StatusOr<RegistriesConf> LoadRegistriesConf(const std::string& path) {
  if (!PathExists(path)) {
    RegistriesConf none;
    return none;
  }
  ASSIGN_OR_RETURN(std::string text, ReadFile(path, kMaxConfBytes));
  return ParseRegistriesConf(text, path);
}

}  // namespace crate::registry
