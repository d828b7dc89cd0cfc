#include "runtime/container/security_options.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace crate::container {
namespace {

absl::Status Bad(absl::string_view opt, absl::string_view why) {
  std::string shown(opt.substr(0, 60));
  if (opt.size() > shown.size()) shown += "...";
  return absl::InvalidArgumentError(
      absl::StrCat("--security-opt \"", shown, "\": ", why));
}

}  // namespace

absl::StatusOr<SecurityOptions> ParseSecurityOptions(
    const std::vector<std::string>& opts) {
  SecurityOptions out;
  for (const std::string& opt : opts) {
    // The first of '=' and ':' ends the key; a profile's JSON has both.
    size_t sep = opt.find_first_of("=:");
    absl::string_view key = absl::string_view(opt).substr(0, sep);
    bool has_value = sep != std::string::npos;
    absl::string_view value =
        has_value ? absl::string_view(opt).substr(sep + 1) : "";
    if (key == "no-new-privileges") {
      if (!has_value || value == "true") {
        out.no_new_privileges = true;
      } else if (value == "false") {
        out.no_new_privileges = false;
      } else {
        return Bad(opt, "want no-new-privileges, =true or =false");
      }
    } else if (key == "seccomp") {
      if (value.empty()) return Bad(opt, "needs a profile or \"unconfined\"");
      out.seccomp_unconfined = value == "unconfined";
      out.seccomp_profile =
          value == "unconfined" || value == "builtin" ? "" : std::string(value);
    } else if (key == "apparmor") {
      if (value.empty()) return Bad(opt, "needs a profile or \"unconfined\"");
      out.apparmor_profile = std::string(value);
    } else if (key == "label") {
      if (value != "disable") {
        return Bad(opt,
                   "SELinux labels are not supported; only label=disable is");
      }
      out.label_disable = true;
    } else if (key == "systempaths") {
      if (value != "unconfined") return Bad(opt, "want systempaths=unconfined");
      out.systempaths_unconfined = true;
    } else {
      return Bad(opt,
                 "unknown option (want no-new-privileges, seccomp=, "
                 "apparmor=, label=disable or systempaths=unconfined)");
    }
  }
  return out;
}

}  // namespace crate::container
