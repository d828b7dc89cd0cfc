// --log / --log-format / --debug: where the runtime reports, in runc's
// formats, so that podman and containerd can read our errors from the log
// file as they read runc's.
#ifndef CRATE_CLI_CRATE_RUNTIME_LOG_H_
#define CRATE_CLI_CRATE_RUNTIME_LOG_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace crate::cli {

enum class LogFormat { kText, kJson };

// Opens the log file (append) when a path is given.
absl::Status InitLog(const std::string& path, absl::string_view format,
                     bool debug);

void LogDebug(absl::string_view msg);
void LogWarning(absl::string_view msg);
// To the log file and to stderr.
void LogError(absl::string_view msg);

}  // namespace crate::cli

#endif  // CRATE_CLI_CRATE_RUNTIME_LOG_H_
