// What `crate pull` shows while the service pulls: docker's lines per
// layer ("a3ed95caeb02: Pull complete") when the output is not a
// terminal, a live block with a bar per layer when it is.
#ifndef CRATE_CLI_CRATE_PULL_PROGRESS_H_
#define CRATE_CLI_CRATE_PULL_PROGRESS_H_

#include <grpcpp/support/status.h>

#include <cstdio>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "api/proto/crate/v1/images.pb.h"
#include "cli/crate/client.h"

namespace crate::cli {

struct PullDisplay {
  bool quiet = false;           // only the reference at the end
  bool terminal = false;        // redraw a block in place
  bool print_reference = true;  // pull prints the name it pulled; run not
};

class PullPrinter {
 public:
  using Sink = std::function<void(absl::string_view)>;
  // `previous_id` is the ID the name had before the pull ("" for none):
  // the same ID after it means the image was up to date.
  PullPrinter(std::string requested, std::string previous_id,
              PullDisplay display, Sink sink);

  // One message of the stream; the last one carries the image.
  void Update(const crate::v1::PullImageProgress& progress);

 private:
  void Begin(const std::string& reference);
  void Plain(const crate::v1::LayerProgress& layer);
  void Redraw();
  void End(const crate::v1::PullImageProgress& last);

  std::string requested_;
  std::string previous_id_;
  PullDisplay display_;
  Sink sink_;
  bool begun_ = false;
  std::vector<std::string> order_;
  std::map<std::string, crate::v1::LayerProgress> layers_;
  size_t drawn_ = 0;  // lines of the live block on the terminal
};

// docker's progress bar: "[=====>      ] 1.2MB/4.5MB".
std::string ProgressBar(uint64_t done, uint64_t total);

// Pulls `reference`, showing progress on `out`.
grpc::Status PullImage(Client& client, const std::string& reference,
                       const std::string& platform, const PullDisplay& display,
                       std::FILE* out);

}  // namespace crate::cli

#endif  // CRATE_CLI_CRATE_PULL_PROGRESS_H_
