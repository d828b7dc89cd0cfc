// What runs in the container, by docker's rules: the program and its
// arguments, the environment and the working directory, from the image's
// config and the options of `run`.
#ifndef CRATE_RUNTIME_CONTAINER_COMMAND_H_
#define CRATE_RUNTIME_CONTAINER_COMMAND_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "runtime/container/options.h"

namespace crate::container {

// PATH as docker sets it when neither the image nor the user does.
inline constexpr char kDefaultPath[] =
    "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

// Entrypoint followed by Cmd. Options' cmd replaces the image's Cmd; an
// entrypoint option replaces the image's entrypoint and drops its Cmd too
// (docker's rule: the image's Cmd was written as arguments to its own
// entrypoint). kInvalidArgument "no command specified" when nothing is left.
absl::StatusOr<std::vector<std::string>> ProcessArgs(const ImageConfig& image,
                                                     const Options& options);

// PATH (the default unless set), HOSTNAME and, with a terminal,
// TERM=xterm; then the image's variables, then the user's (-e), each
// replacing an earlier one of the same name where it stands. Entries must
// be KEY=value: a bare KEY (take it from the client's environment) is for
// the client to resolve before it asks.
absl::StatusOr<std::vector<std::string>> ProcessEnv(
    const ImageConfig& image, const std::vector<std::string>& user_env,
    absl::string_view hostname, bool tty);

// -w, else the image's WorkingDir, else "/"; absolute and cleaned.
absl::StatusOr<std::string> WorkingDir(const ImageConfig& image,
                                       const Options& options);

}  // namespace crate::container

#endif  // CRATE_RUNTIME_CONTAINER_COMMAND_H_
