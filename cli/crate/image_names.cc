#include "cli/crate/image_names.h"

#include "absl/strings/match.h"
#include "absl/strings/strip.h"

namespace crate::cli {

std::string ShortImageName(absl::string_view name) {
  absl::string_view n = name;
  if (absl::ConsumePrefix(&n, "docker.io/"))
    absl::ConsumePrefix(&n, "library/");
  return std::string(n);
}

std::pair<std::string, std::string> SplitRepoTag(absl::string_view name) {
  if (name.find('@') != absl::string_view::npos) return {std::string(name), ""};
  size_t colon = name.rfind(':');
  size_t slash = name.rfind('/');
  if (colon == absl::string_view::npos ||
      (slash != absl::string_view::npos && colon < slash)) {
    return {std::string(name), ""};
  }
  return {std::string(name.substr(0, colon)),
          std::string(name.substr(colon + 1))};
}

bool HasTagOrDigest(absl::string_view reference) {
  return reference.find('@') != absl::string_view::npos ||
         !SplitRepoTag(reference).second.empty();
}

std::string WithDefaultTag(absl::string_view reference) {
  if (HasTagOrDigest(reference)) return std::string(reference);
  return std::string(reference) + ":latest";
}

bool NameMatches(absl::string_view name, absl::string_view pattern) {
  for (const std::string& candidate :
       {std::string(name), ShortImageName(name)}) {
    if (candidate == pattern || SplitRepoTag(candidate).first == pattern) {
      return true;
    }
  }
  return false;
}

std::string ShortId(absl::string_view id) {
  absl::ConsumePrefix(&id, "sha256:");
  return std::string(id.substr(0, 12));
}

std::string DigestPart(absl::string_view repo_digest) {
  size_t at = repo_digest.find('@');
  return at == absl::string_view::npos
             ? ""
             : std::string(repo_digest.substr(at + 1));
}

}  // namespace crate::cli
