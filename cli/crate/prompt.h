// docker's confirmation prompt (prune without -f): the question on `out`
// with " [y/N] ", one line read from `in` whether or not it is a
// terminal (so `yes | crate volume prune` works), and only "y" or "Y"
// as a yes. End of input is a no, so nothing is removed unasked.
#ifndef CRATE_CLI_CRATE_PROMPT_H_
#define CRATE_CLI_CRATE_PROMPT_H_

#include <cstdio>
#include <string>

namespace crate::cli {

bool Confirm(std::FILE* in, std::FILE* out, const std::string& question);

}  // namespace crate::cli

#endif  // CRATE_CLI_CRATE_PROMPT_H_
