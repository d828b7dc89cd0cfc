// What `crate push` prints, docker's way, from the service's answer (the
// API reports a push when it is done, so each layer gets its final line
// only):
//
//   Using default tag: latest             (when the name has no tag)
//   The push refers to repository [127.0.0.1:5000/crate-test/busybox]
//   0e6d4a3b1a52: Pushed                  (top layer first; the blob's
//   5b8c72934dfc: Layer already exists     digest, 12 digits)
//   latest: digest: sha256:... size: 527
#ifndef CRATE_CLI_CRATE_PUSH_OUTPUT_H_
#define CRATE_CLI_CRATE_PUSH_OUTPUT_H_

#include <string>

#include "absl/strings/string_view.h"
#include "api/proto/crate/v1/images.pb.h"

namespace crate::cli {

struct PushTarget {
  std::string repository;  // normalised: "docker.io/library/busybox"
  std::string tag;         // "latest" when the name had none
  bool default_tag = false;
  std::string Reference() const { return repository + ":" + tag; }
};

// docker's normalisation of the name given to push.
PushTarget ParsePushTarget(absl::string_view name);

// Everything but the "Using default tag" line, which comes before the push.
std::string PushReport(const PushTarget& target,
                       const crate::v1::PushImageResponse& response);

}  // namespace crate::cli

#endif  // CRATE_CLI_CRATE_PUSH_OUTPUT_H_
