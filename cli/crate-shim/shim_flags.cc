#include "cli/crate-shim/shim_flags.h"

#include <cstdint>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace crate::cli {
namespace {

absl::Status Bad(absl::string_view flag, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("--", flag, ": ", what));
}

std::string Absolute(absl::string_view cwd, const std::string& path) {
  if (path.empty() || path[0] == '/') return path;
  return absl::StrCat(cwd, cwd.size() > 1 ? "/" : "", path);
}

}  // namespace

const char kShimUsage[] =
    "Usage: crate-shim --id ID --bundle DIR --runtime-root DIR --shim-dir "
    "DIR\n"
    "         --log FILE [--log-max BYTES] --exit-file FILE [--tty] "
    "[--stdin]\n"
    "         --ready-fd N\n"
    "Creates container ID from the bundle, detaches, and serves it on\n"
    "DIR/shim.sock until it has exited; the first line on fd N says how\n"
    "the create went.\n";

absl::StatusOr<ShimFlags> ParseShimFlags(const std::vector<std::string>& args,
                                         absl::string_view cwd) {
  ShimFlags f;
  shim::ShimConfig& c = f.config;
  std::string log_max, ready_fd;
  struct StringFlag {
    const char* name;
    std::string* out;
  } strings[] = {
      {"id", &c.id},
      {"bundle", &f.bundle},
      {"runtime-root", &f.runtime_root},
      {"shim-dir", &c.shim_dir},
      {"log", &c.log_path},
      {"log-max", &log_max},
      {"exit-file", &c.exit_file},
      {"ready-fd", &ready_fd},
  };
  struct BoolFlag {
    const char* name;
    bool* out;
  } bools[] = {
      {"tty", &c.tty},
      {"stdin", &c.open_stdin},
      {"help", &f.help},
      {"version", &f.version},
  };
  for (size_t i = 0; i < args.size(); ++i) {
    absl::string_view arg = args[i];
    if (!absl::ConsumePrefix(&arg, "--")) {
      return absl::InvalidArgumentError(
          absl::StrCat("unexpected argument \"", args[i], "\""));
    }
    absl::string_view name = arg, value;
    bool has_value = false;
    if (size_t eq = arg.find('='); eq != absl::string_view::npos) {
      name = arg.substr(0, eq);
      value = arg.substr(eq + 1);
      has_value = true;
    }
    bool known = false;
    for (BoolFlag& b : bools) {
      if (name != b.name) continue;
      known = true;
      *b.out = true;
      if (has_value && !absl::SimpleAtob(value, b.out)) {
        return Bad(name, absl::StrCat("\"", value, "\" is not true or false"));
      }
    }
    for (StringFlag& s : strings) {
      if (name != s.name) continue;
      known = true;
      if (!has_value) {
        if (i + 1 == args.size()) return Bad(name, "needs a value");
        value = args[++i];
      }
      *s.out = std::string(value);
    }
    if (!known) {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown flag \"--", name, "\""));
    }
  }
  if (f.help || f.version) return f;
  for (const StringFlag& s : strings) {
    bool optional = absl::string_view(s.name) == "log-max";
    if (s.out->empty() && !optional) return Bad(s.name, "is required");
  }
  if (!log_max.empty() &&
      (!absl::SimpleAtoi(log_max, &c.log_max) || c.log_max < 0)) {
    return Bad("log-max",
               absl::StrCat("\"", log_max, "\" is not a size in bytes"));
  }
  if (!absl::SimpleAtoi(ready_fd, &f.ready_fd) || f.ready_fd < 0) {
    return Bad("ready-fd",
               absl::StrCat("\"", ready_fd, "\" is not a file descriptor"));
  }
  if (f.ready_fd <= 2) {
    // They become /dev/null when the shim detaches.
    return Bad("ready-fd", "must not be 0, 1 or 2");
  }
  for (std::string* path :
       {&f.bundle, &f.runtime_root, &c.shim_dir, &c.log_path, &c.exit_file}) {
    *path = Absolute(cwd, *path);
  }
  return f;
}

}  // namespace crate::cli
