// Runs testdata/blob_server.py (a registry stand-in that breaks transfers,
// fails, ignores Range and asks for Bearer tokens on purpose) for tests.
#ifndef CRATE_REGISTRY_DISTRIBUTION_TEST_BLOB_SERVER_H_
#define CRATE_REGISTRY_DISTRIBUTION_TEST_BLOB_SERVER_H_

#include <sys/types.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace crate::registry::testing {

class BlobServer {
 public:
  // Serves `blob` (see blob_server.py for the repositories and what each
  // does); its files go to `dir`. Killed when destroyed.
  // `env` is added to the server's environment (BLOB_SERVER_CERT, ... for
  // HTTPS with client certificates).
  static absl::StatusOr<std::unique_ptr<BlobServer>> Start(
      const std::string& dir, const std::string& blob,
      const std::map<std::string, std::string>& env = {});
  ~BlobServer();
  BlobServer(const BlobServer&) = delete;
  BlobServer& operator=(const BlobServer&) = delete;

  const std::string& host() const { return host_; }  // 127.0.0.1:port
  // The Range headers ("-" for none) of the authorised requests for the
  // blob of `repo`, in order.
  std::vector<std::string> Ranges(const std::string& repo) const;

 private:
  BlobServer() = default;
  std::string log_, host_;
  pid_t pid_ = -1;
};

}  // namespace crate::registry::testing

#endif  // CRATE_REGISTRY_DISTRIBUTION_TEST_BLOB_SERVER_H_
