// apply-layer: applies layer tarballs to a directory, for debugging and
// benchmarks (tests/bench compares it with umoci).
//   apply-layer [--flatten] DIR LAYER...
#include <chrono>
#include <cstring>
#include <iostream>
#include <string>

#include "registry/unpack/layer.h"

int main(int argc, char** argv) {
  crate::registry::ApplyOptions options;
  int i = 1;
  if (i < argc && strcmp(argv[i], "--flatten") == 0) {
    options.whiteouts = crate::registry::WhiteoutMode::kFlatten;
    ++i;
  }
  if (argc - i < 2) {
    std::cerr << "usage: apply-layer [--flatten] DIR LAYER...\n";
    return 2;
  }
  std::string dir = argv[i++];
  // The layers given make one image: their sum is bounded too.
  crate::registry::ImageUnpackBudget budget(dir);
  options.image_budget = &budget;
  for (; i < argc; ++i) {
    options.layer_name = argv[i];
    auto start = std::chrono::steady_clock::now();
    absl::StatusOr<crate::registry::ApplyResult> r =
        crate::registry::ApplyLayerFromFile(argv[i], dir, options);
    if (!r.ok()) {
      std::cerr << "apply-layer: " << r.status().message() << "\n";
      return 1;
    }
    std::cout << argv[i] << ": " << r->diff_id << " " << r->entries
              << " entries, " << r->uncompressed_bytes << " bytes, "
              << std::chrono::duration<double, std::milli>(
                     std::chrono::steady_clock::now() - start)
                     .count()
              << " ms\n";
  }
  return 0;
}
