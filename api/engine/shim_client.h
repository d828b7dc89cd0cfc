// crated's half of the shim protocol (docs/SERVICE.md): spawning a
// crate-shim for a container and waiting for its ready report, and calls
// on a live shim's socket. crated never forks a container itself: it is
// multithreaded, so it only posix_spawns the static shim, which execs at
// once.
#ifndef CRATE_API_ENGINE_SHIM_CLIENT_H_
#define CRATE_API_ENGINE_SHIM_CLIENT_H_

#include <sys/types.h>

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"
#include "runtime/base/unique_fd.h"

namespace crate::engine {

struct ShimSpawnOptions {
  std::string shim_binary;
  std::string id;
  std::string bundle;        // holds config.json
  std::string runtime_root;  // the runtime's state root
  std::string shim_dir;      // shim.sock, shim.pid
  std::string log_path;
  int64_t log_max_bytes = 0;  // 0: the shim's default
  std::string exit_file;
  bool tty = false;
  bool stdin_open = false;
  // Creating a container can take long (a big rootfs copy, hooks); a shim
  // that neither reports nor dies within this is an error.
  absl::Duration timeout = absl::Seconds(60);
};

struct ShimReady {
  pid_t init_pid = 0;
  pid_t shim_pid = 0;
};

// Starts the shim and returns once it reports the container created, or
// the error it reports (its kind kept: a bad spec stays InvalidArgument).
// A shim that dies without a word ends the wait (the report pipe closes).
absl::StatusOr<ShimReady> SpawnShim(const ShimSpawnOptions& options);

// One connection to a live shim.
class ShimConnection {
 public:
  // Unavailable when no shim answers on <shim_dir>/shim.sock.
  static absl::StatusOr<ShimConnection> Connect(const std::string& shim_dir);

  // Sends `request` and returns the response's fields, or the error it
  // carries. `timeout` bounds the wait for the answer (wait requests are
  // answered only when the process exits).
  absl::StatusOr<nlohmann::json> Call(const nlohmann::json& request,
                                      absl::Duration timeout);

  int fd() const { return fd_.get(); }

 private:
  explicit ShimConnection(UniqueFd fd) : fd_(std::move(fd)) {}
  UniqueFd fd_;
};

}  // namespace crate::engine

#endif  // CRATE_API_ENGINE_SHIM_CLIENT_H_
