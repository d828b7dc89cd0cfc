#include "cli/crated/config_file.h"

#include <toml++/toml.h>

#include <algorithm>
#include <limits>
#include <string_view>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "registry/distribution/registries_conf_table.h"
#include "runtime/base/file_util.h"
#include "runtime/base/status_macros.h"

namespace crate::crated {
namespace {

constexpr uint64_t kMaxConfigBytes = 1 << 20;

class Errors {
 public:
  explicit Errors(const std::string& path) : path_(path) {}
  absl::Status At(const toml::node& node, absl::string_view key,
                  absl::string_view reason) const {
    return absl::InvalidArgumentError(absl::StrCat(
        path_, ":", node.source().begin.line, ": ", key, ": ", reason));
  }

 private:
  const std::string& path_;
};

absl::StatusOr<std::string> AbsolutePath(const toml::node& v,
                                         absl::string_view key,
                                         const Errors& err) {
  const toml::value<std::string>* s = v.as_string();
  if (s == nullptr || s->get().empty() || s->get()[0] != '/') {
    return err.At(v, key, "must be an absolute path");
  }
  return s->get();
}

absl::Status ParseStorage(const toml::table& t, const Errors& err,
                          ServiceConfig& c) {
  for (auto&& [k, v] : t) {
    const std::string key = absl::StrCat("storage.", std::string(k.str()));
    if (k.str() == "root") {
      ASSIGN_OR_RETURN(c.root, AbsolutePath(v, key, err));
    } else if (k.str() == "run_dir") {
      ASSIGN_OR_RETURN(c.run_dir, AbsolutePath(v, key, err));
    } else {
      return err.At(v, key, "unknown key (root, run_dir)");
    }
  }
  return absl::OkStatus();
}

absl::Status ParseService(const toml::table& t, const Errors& err,
                          ServiceConfig& c) {
  for (auto&& [k, v] : t) {
    const std::string key = absl::StrCat("service.", std::string(k.str()));
    if (k.str() == "idle_timeout") {
      const toml::value<int64_t>* i = v.as_integer();
      if (i == nullptr || i->get() < 0 || i->get() > 24 * 3600 * 365) {
        return err.At(v, key, "must be a number of seconds, 0 (never) or more");
      }
      c.idle_timeout_seconds = static_cast<int>(i->get());
    } else if (k.str() == "group") {
      const toml::value<std::string>* s = v.as_string();
      if (s == nullptr || s->get().empty()) {
        return err.At(v, key, "must be a group name");
      }
      c.group = s->get();
    } else {
      return err.At(v, key, "unknown key (idle_timeout, group)");
    }
  }
  return absl::OkStatus();
}

absl::Status ParseLogs(const toml::table& t, const Errors& err,
                       ServiceConfig& c) {
  for (auto&& [k, v] : t) {
    const std::string key = absl::StrCat("logs.", std::string(k.str()));
    if (k.str() != "max_size") {
      return err.At(v, key, "unknown key (max_size)");
    }
    absl::StatusOr<int64_t> bytes =
        v.is_integer() ? absl::StatusOr<int64_t>(v.as_integer()->get())
        : v.is_string()
            ? ParseByteSize(v.as_string()->get())
            : absl::InvalidArgumentError("must be a size (\"10MiB\", 1048576)");
    if (!bytes.ok()) return err.At(v, key, bytes.status().message());
    // The shim needs room for a record or two (a line is cut at 16 KiB).
    if (*bytes < 64 * 1024) {
      return err.At(v, key, "must be at least 64KiB");
    }
    c.log_max_bytes = *bytes;
  }
  return absl::OkStatus();
}

absl::Status ParseNetwork(const toml::table& t, const Errors& err,
                          ServiceConfig& c) {
  for (auto&& [k, v] : t) {
    const std::string key = absl::StrCat("network.", std::string(k.str()));
    if (k.str() != "default") return err.At(v, key, "unknown key (default)");
    const toml::value<std::string>* s = v.as_string();
    if (s == nullptr ||
        (s->get() != "none" && s->get() != "host" && s->get() != "private")) {
      return err.At(v, key, "must be \"none\", \"host\" or \"private\"");
    }
    c.default_network = s->get();
  }
  return absl::OkStatus();
}

}  // namespace

std::string DefaultConfigPath(const PathEnv& env, const char* xdg_config_home) {
  if (env.euid == 0) return "/etc/crate/crate.toml";
  if (xdg_config_home != nullptr && xdg_config_home[0] == '/') {
    return JoinPath(xdg_config_home, "crate/crate.toml");
  }
  return JoinPath(
      JoinPath(env.home != nullptr && env.home[0] == '/' ? env.home : "/",
               ".config"),
      "crate/crate.toml");
}

absl::StatusOr<int64_t> ParseByteSize(absl::string_view text) {
  std::string s = absl::AsciiStrToLower(absl::StripAsciiWhitespace(text));
  auto bad = [&] {
    return absl::InvalidArgumentError(absl::StrCat(
        "\"", text, "\" is not a size (a number, then k, m or g, as 10MiB)"));
  };
  if (!s.empty() && s.back() == 'b') s.pop_back();
  if (!s.empty() && s.back() == 'i') s.pop_back();
  int64_t unit = 1;
  if (!s.empty()) {
    switch (s.back()) {
      case 'k':
        unit = int64_t{1} << 10;
        break;
      case 'm':
        unit = int64_t{1} << 20;
        break;
      case 'g':
        unit = int64_t{1} << 30;
        break;
      default:
        break;
    }
    if (unit != 1) s.pop_back();
  }
  int64_t n = 0;
  if (s.empty() ||
      !std::all_of(s.begin(), s.end(),
                   [](char c) { return absl::ascii_isdigit(c); }) ||
      !absl::SimpleAtoi(s, &n) ||
      n > std::numeric_limits<int64_t>::max() / unit) {
    return bad();
  }
  return n * unit;
}

absl::StatusOr<ServiceConfig> ParseServiceConfig(absl::string_view text,
                                                 const std::string& path) {
  toml::table root;
  try {
    root = toml::parse(std::string_view(text.data(), text.size()),
                       std::string_view(path));
  } catch (const toml::parse_error& e) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ":", e.source().begin.line, ": ", std::string(e.description())));
  }
  const Errors err(path);
  ServiceConfig c;
  c.path = path;
  for (auto&& [k, v] : root) {
    const std::string key(k.str());
    const toml::table* t = v.as_table();
    if (t == nullptr) {
      return err.At(v, key,
                    "must be a table ([storage], [service], [logs], "
                    "[network] or [registries])");
    }
    if (key == "storage") {
      RETURN_IF_ERROR(ParseStorage(*t, err, c));
    } else if (key == "service") {
      RETURN_IF_ERROR(ParseService(*t, err, c));
    } else if (key == "logs") {
      RETURN_IF_ERROR(ParseLogs(*t, err, c));
    } else if (key == "network") {
      RETURN_IF_ERROR(ParseNetwork(*t, err, c));
    } else if (key == "registries") {
      ASSIGN_OR_RETURN(c.registries,
                       registry::RegistriesConfFromTable(*t, path));
    } else {
      return err.At(v, key,
                    "unknown table ([storage], [service], [logs], [network] "
                    "or [registries])");
    }
  }
  return c;
}

absl::StatusOr<ServiceConfig> LoadServiceConfig(const std::string& path,
                                                bool required) {
  if (!required && !PathExists(path)) return ServiceConfig();
  ASSIGN_OR_RETURN(std::string text, ReadFile(path, kMaxConfigBytes));
  return ParseServiceConfig(text, path);
}

}  // namespace crate::crated
