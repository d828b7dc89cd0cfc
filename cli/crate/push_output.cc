#include "cli/crate/push_output.h"

#include "absl/strings/str_cat.h"
#include "cli/crate/image_names.h"

namespace crate::cli {
namespace {

// docker's rule: a first component with a dot or a port, or "localhost",
// is a registry; anything else is on Docker Hub, one component names an
// official image.
std::string NormaliseRepository(const std::string& repo) {
  size_t slash = repo.find('/');
  if (slash != std::string::npos) {
    std::string first = repo.substr(0, slash);
    if (first.find_first_of(".:") != std::string::npos ||
        first == "localhost") {
      return repo;
    }
    return "docker.io/" + repo;
  }
  return "docker.io/library/" + repo;
}

}  // namespace

PushTarget ParsePushTarget(absl::string_view name) {
  PushTarget t;
  auto [repo, tag] = SplitRepoTag(name);
  t.repository = NormaliseRepository(repo);
  t.default_tag = tag.empty();
  t.tag = tag.empty() ? "latest" : tag;
  return t;
}

std::string PushReport(const PushTarget& target,
                       const crate::v1::PushImageResponse& response) {
  std::string out =
      absl::StrCat("The push refers to repository [", target.repository, "]\n");
  for (int i = response.layers_size() - 1; i >= 0; --i) {
    const crate::v1::LayerProgress& l = response.layers(i);
    absl::StrAppend(&out, ShortId(l.digest()), ": ",
                    l.state() == crate::v1::LayerProgress::EXISTS
                        ? "Layer already exists"
                        : "Pushed",
                    "\n");
  }
  absl::StrAppend(&out, target.tag, ": digest: ", response.digest(),
                  " size: ", response.manifest_size(), "\n");
  return out;
}

}  // namespace crate::cli
