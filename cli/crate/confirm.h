// docker's confirmation before a prune: the warning and "Are you sure you
// want to continue? [y/N] " on stdout, then one line of stdin, whether or
// not it is a terminal (as docker reads it, so `echo y | crate ... prune`
// works). Only "y" or "Y" (spaces around it aside) goes on; anything else,
// an empty line or the end of input, does not.
#ifndef CRATE_CLI_CRATE_CONFIRM_H_
#define CRATE_CLI_CRATE_CONFIRM_H_

#include <cstdio>

#include "absl/strings/string_view.h"

namespace crate::cli {

bool Confirm(absl::string_view warning, std::FILE* in, std::FILE* out);

// Whether an answer line means yes.
bool IsYes(absl::string_view line);

}  // namespace crate::cli

#endif  // CRATE_CLI_CRATE_CONFIRM_H_
