// A container's log written to this process's stdout and stderr, each line
// to the stream it came from, as `crate logs` and a foreground `run` show it.
#ifndef CRATE_CLI_CRATE_LOG_STREAM_H_
#define CRATE_CLI_CRATE_LOG_STREAM_H_

#include <grpcpp/support/status.h>

#include <cstdio>
#include <string>

#include "absl/time/time.h"
#include "api/proto/crate/v1/containers.pb.h"
#include "cli/crate/client.h"

namespace crate::cli {

struct LogOptions {
  bool follow = false;
  int tail = -1;  // the last N lines; negative: all
  bool timestamps = false;
  absl::Time since = absl::InfinitePast();
};

// Writes one entry: the line (and its newline) to `out` or `err` by its
// stream, after an RFC 3339 time with timestamps.
void WriteLogEntry(const crate::v1::LogEntry& entry, bool timestamps,
                   std::FILE* out, std::FILE* err);

// Streams the log; returns once it ends (with follow: once the container
// has exited and its log is drained).
grpc::Status StreamLogs(Client& client, const std::string& container,
                        const LogOptions& options);

}  // namespace crate::cli

#endif  // CRATE_CLI_CRATE_LOG_STREAM_H_
