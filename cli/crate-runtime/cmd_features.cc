#include <stdio.h>
#include <sys/vfs.h>

#include "cli/crate-runtime/commands.h"
#include "runtime/oci/features.h"

namespace crate::cli {

int CmdFeatures(const GlobalOptions& g, const Args& args) {
  Flags flags;
  Args pos;
  absl::Status s = ParseCommand("features", flags, args, 0, "none", &pos);
  if (!s.ok()) return Fail(s);
  oci::FeatureSupport support;
  struct statfs st;
  bool v2 = statfs("/sys/fs/cgroup", &st) == 0 && st.f_type == 0x63677270;
  support.cgroup_v2 = v2;
  support.cgroup_v1 = !v2;
  support.seccomp = true;
  std::string out = oci::FeaturesJson(support) + "\n";
  fwrite(out.data(), 1, out.size(), stdout);
  return 0;
}

int CmdNotYet(const std::string& name) {
  return Fail(absl::UnimplementedError(
      "\"" + name + "\" is not implemented yet in crate-runtime"));
}

}  // namespace crate::cli
