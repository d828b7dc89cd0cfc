#include <stdio.h>

#include <utility>

#include "cli/crate-runtime/commands.h"
#include "runtime/oci/features.h"
#include "runtime/security/seccomp.h"

namespace crate::cli {

int CmdFeatures(const GlobalOptions& g, const Args& args) {
  Flags flags;
  Args pos;
  absl::Status s = ParseCommand("features", flags, args, 0, "none", &pos);
  if (!s.ok()) return Fail(s);
  oci::FeatureSupport support;
  support.seccomp = true;
  security::SeccompFeatures seccomp = security::GetSeccompFeatures();
  support.seccomp_actions = std::move(seccomp.actions);
  support.seccomp_operators = std::move(seccomp.operators);
  support.seccomp_archs = std::move(seccomp.archs);
  support.seccomp_known_flags = std::move(seccomp.known_flags);
  support.seccomp_supported_flags = std::move(seccomp.supported_flags);
  std::string out = oci::FeaturesJson(support) + "\n";
  fwrite(out.data(), 1, out.size(), stdout);
  return 0;
}

int CmdNotYet(const std::string& name) {
  return Fail(absl::UnimplementedError(
      "\"" + name + "\" is not implemented yet in crate-runtime"));
}

}  // namespace crate::cli
