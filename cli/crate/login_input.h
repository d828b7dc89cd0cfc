// What `crate login` and `crate logout` read and how they name the
// registry, docker's way.
#ifndef CRATE_CLI_CRATE_LOGIN_INPUT_H_
#define CRATE_CLI_CRATE_LOGIN_INPUT_H_

#include <cstdio>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace crate::cli {

// Docker Hub's name in docker's messages and auth files.
inline constexpr char kDockerHubServer[] = "https://index.docker.io/v1/";

// --password-stdin: everything on `in`, less one trailing "\n" and then
// one "\r" (docker's trimming), so that `echo secret |` works and a
// password's own inner newlines and bytes stay as they are. Past
// `max_bytes` is an error rather than a silent cut.
absl::StatusOr<std::string> ReadPasswordStdin(std::FILE* in,
                                              size_t max_bytes = 64 << 10);
std::string TrimPasswordInput(std::string text);

// The registry as docker's login and logout name it: Docker Hub's
// server when none is given, else the host of `server` with a scheme
// and any path dropped ("https://host:5000/v2/" -> "host:5000").
std::string RegistryDisplayName(absl::string_view server);

// Asks on `out` and reads one line from the terminal `in`, its echo off
// when `secret` (the newline the user typed is written back after it).
absl::StatusOr<std::string> PromptLine(absl::string_view prompt, bool secret,
                                       std::FILE* in, std::FILE* out);

}  // namespace crate::cli

#endif  // CRATE_CLI_CRATE_LOGIN_INPUT_H_
