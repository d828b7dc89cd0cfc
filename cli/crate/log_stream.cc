#include "cli/crate/log_stream.h"

#include "cli/crate/humanize.h"

namespace crate::cli {

void WriteLogEntry(const crate::v1::LogEntry& entry, bool timestamps,
                   std::FILE* out, std::FILE* err) {
  std::FILE* to = entry.stream() == crate::v1::LogEntry::STDERR ? err : out;
  // Keep the two streams in the order the container wrote them when both
  // go to one terminal or file.
  std::fflush(to == out ? err : out);
  if (timestamps) {
    std::string t =
        Rfc3339NanoFixed(absl::FromUnixNanos(entry.time_unix_nanos()));
    std::fwrite(t.data(), 1, t.size(), to);
    std::fputc(' ', to);
  }
  std::fwrite(entry.line().data(), 1, entry.line().size(), to);
  std::fputc('\n', to);
}

grpc::Status StreamLogs(Client& client, const std::string& container,
                        const LogOptions& options) {
  crate::v1::LogsRequest request;
  request.set_container(container);
  request.set_follow(options.follow);
  request.set_tail(options.tail);
  request.set_timestamps(options.timestamps);
  if (options.since != absl::InfinitePast()) {
    request.set_since_unix_nanos(absl::ToUnixNanos(options.since));
  }
  auto call = Client::Call(options.follow ? kNoDeadline : absl::Minutes(10));
  std::unique_ptr<grpc::ClientReader<crate::v1::LogEntry>> reader =
      client.containers().Logs(call.get(), request);
  crate::v1::LogEntry entry;
  while (reader->Read(&entry)) {
    WriteLogEntry(entry, options.timestamps, stdout, stderr);
    // Followed output is seen as it comes.
    if (options.follow) {
      std::fflush(stdout);
      std::fflush(stderr);
    }
  }
  grpc::Status status = reader->Finish();
  std::fflush(stdout);
  return status;
}

}  // namespace crate::cli
