#include "runtime/container/command.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "runtime/base/status_macros.h"
#include "runtime/container/paths.h"

namespace crate::container {
namespace {

absl::Status CheckNoNul(absl::string_view what, const std::string& s) {
  if (s.find('\0') != std::string::npos) {
    return absl::InvalidArgumentError(absl::StrCat(
        what, ": \"", absl::CHexEscape(s), "\" contains a NUL byte"));
  }
  return absl::OkStatus();
}

// Sets `entry` (KEY=value) in `env`: in place of the variable of the same
// name, else at the end.
void SetVariable(std::vector<std::string>& env, const std::string& entry) {
  absl::string_view key = absl::string_view(entry).substr(0, entry.find('='));
  for (std::string& e : env) {
    if (absl::string_view(e).substr(0, e.find('=')) == key) {
      e = entry;
      return;
    }
  }
  env.push_back(entry);
}

absl::Status AddVariables(absl::string_view what,
                          const std::vector<std::string>& entries,
                          absl::string_view hint,
                          std::vector<std::string>& env) {
  for (const std::string& e : entries) {
    size_t eq = e.find('=');
    if (eq == std::string::npos || eq == 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          what, ": \"", absl::CHexEscape(e), "\" is not KEY=value", hint));
    }
    RETURN_IF_ERROR(CheckNoNul(what, e));
    SetVariable(env, e);
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::vector<std::string>> ProcessArgs(const ImageConfig& image,
                                                     const Options& options) {
  std::vector<std::string> args;
  const std::vector<std::string>* cmd = &options.cmd;
  if (options.entrypoint) {
    bool cleared =
        options.entrypoint->empty() || (options.entrypoint->size() == 1 &&
                                        options.entrypoint->front().empty());
    if (!cleared) args = *options.entrypoint;
  } else {
    args = image.entrypoint;
    if (cmd->empty()) cmd = &image.cmd;
  }
  args.insert(args.end(), cmd->begin(), cmd->end());
  if (args.empty() || args[0].empty()) {
    return absl::InvalidArgumentError("no command specified");
  }
  for (const std::string& a : args) RETURN_IF_ERROR(CheckNoNul("command", a));
  return args;
}

absl::StatusOr<std::vector<std::string>> ProcessEnv(
    const ImageConfig& image, const std::vector<std::string>& user_env,
    absl::string_view hostname, bool tty) {
  std::vector<std::string> env = {absl::StrCat("PATH=", kDefaultPath),
                                  absl::StrCat("HOSTNAME=", hostname)};
  if (tty) env.push_back("TERM=xterm");
  RETURN_IF_ERROR(AddVariables("image config Env", image.env, "", env));
  RETURN_IF_ERROR(AddVariables(
      "--env", user_env,
      " (a variable taken from the client's environment must be resolved by "
      "the client)",
      env));
  return env;
}

absl::StatusOr<std::string> WorkingDir(const ImageConfig& image,
                                       const Options& options) {
  absl::string_view what = "--workdir";
  const std::string* dir = &options.working_dir;
  if (dir->empty()) {
    what = "image config WorkingDir";
    dir = &image.working_dir;
  }
  if (dir->empty()) return std::string("/");
  if ((*dir)[0] != '/') {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": \"", *dir, "\" is not an absolute path"));
  }
  RETURN_IF_ERROR(CheckNoNul(what, *dir));
  return CleanAbsolutePath(*dir);
}

}  // namespace crate::container
