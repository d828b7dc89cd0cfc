#include "runtime/container/paths.h"

#include <vector>

#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace crate::container {

std::string CleanAbsolutePath(absl::string_view path) {
  std::vector<absl::string_view> parts;
  for (absl::string_view p : absl::StrSplit(path, '/', absl::SkipEmpty())) {
    if (p == ".") continue;
    if (p == "..") {
      if (!parts.empty()) parts.pop_back();
      continue;
    }
    parts.push_back(p);
  }
  return "/" + absl::StrJoin(parts, "/");
}

int PathDepth(absl::string_view clean_path) {
  int depth = 0;
  for (absl::string_view p :
       absl::StrSplit(clean_path, '/', absl::SkipEmpty())) {
    (void)p;
    ++depth;
  }
  return depth;
}

}  // namespace crate::container
