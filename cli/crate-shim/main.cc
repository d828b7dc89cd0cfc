// crate-shim: one per container, the container's parent and monitor
// (docs/SERVICE.md, "The shim"). Flags and wiring only; the work is in
// runtime/shim.
#include <fcntl.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <vector>

#include "cli/crate-shim/shim_flags.h"
#include "runtime/base/version.h"
#include "runtime/shim/detach.h"
#include "runtime/shim/frames.h"
#include "runtime/shim/linux_container_ops.h"
#include "runtime/shim/protocol.h"
#include "runtime/shim/shim.h"

int main(int argc, char** argv) {
  using crate::cli::ShimFlags;
  // On the heap, not in main's frame, which lives as long as the shim.
  char* cwd = get_current_dir_name();
  absl::StatusOr<ShimFlags> flags = crate::cli::ParseShimFlags(
      std::vector<std::string>(argv + 1, argv + argc),
      cwd != nullptr ? cwd : "");
  free(cwd);
  if (!flags.ok()) {
    fprintf(stderr, "crate-shim: %s\n%s",
            std::string(flags.status().message()).c_str(),
            crate::cli::kShimUsage);
    return 2;
  }
  if (flags->help) {
    fputs(crate::cli::kShimUsage, stdout);
    return 0;
  }
  if (flags->version) {
    printf("crate-shim version %s\n", crate::kCrateVersion);
    return 0;
  }
  // Neither the container nor anything the shim runs may inherit it.
  if (fcntl(flags->ready_fd, F_SETFD, FD_CLOEXEC) != 0) {
    fprintf(stderr, "crate-shim: --ready-fd %d is not open\n", flags->ready_fd);
    return 2;
  }
  // A shim lives as long as its container: keep what it frees returned to
  // the system (a 1 MiB receive buffer per request would otherwise move
  // glibc's thresholds up and stay resident).
  mallopt(M_MMAP_THRESHOLD, 64 * 1024);
  mallopt(M_TRIM_THRESHOLD, 128 * 1024);

  crate::shim::Detach();
  absl::Status s = crate::shim::BecomeShimProcess();
  if (!s.ok()) {
    std::string line =
        crate::shim::SerializeMessage(crate::shim::ErrorResponse(s)) + "\n";
    (void)!write(flags->ready_fd, line.data(), line.size());
    return 1;
  }
  std::unique_ptr<crate::shim::ContainerOps> ops =
      crate::shim::LinuxContainerOps(flags->runtime_root, flags->config.id,
                                     flags->bundle);
  return crate::shim::RunShim(flags->config, *ops, flags->ready_fd);
}
