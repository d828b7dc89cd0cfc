#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "cli/crate-runtime/commands.h"
#include "runtime/base/file_util.h"
#include "runtime/oci/features.h"

namespace crate::cli {

int CmdSpec(const GlobalOptions& g, const Args& args) {
  std::string bundle;
  bool rootless = false;
  Flags flags;
  flags.String("bundle,b", &bundle, "directory to write config.json to");
  flags.Bool("rootless", &rootless, "a spec for an unprivileged user");
  Args pos;
  absl::Status s = ParseCommand("spec", flags, args, 0, "none", &pos);
  if (!s.ok()) return Fail(s);
  std::string path =
      bundle.empty() ? "config.json" : JoinPath(bundle, "config.json");
  if (PathExists(path)) {
    return Fail(absl::AlreadyExistsError(
        absl::StrCat("file ", path, " exists: remove it first")));
  }
  s = WriteFileAtomic(
      path, oci::DefaultSpecJson(rootless, geteuid(), getegid()), 0666 & ~0022);
  if (!s.ok()) return Fail(s);
  return 0;
}

}  // namespace crate::cli
