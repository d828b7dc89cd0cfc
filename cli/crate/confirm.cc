#include "cli/crate/confirm.h"

#include <string>

#include "absl/strings/ascii.h"

namespace crate::cli {

bool IsYes(absl::string_view line) {
  absl::string_view answer = absl::StripAsciiWhitespace(line);
  return answer == "y" || answer == "Y";
}

bool Confirm(absl::string_view warning, std::FILE* in, std::FILE* out) {
  std::fprintf(out, "%.*s\nAre you sure you want to continue? [y/N] ",
               static_cast<int>(warning.size()), warning.data());
  std::fflush(out);
  std::string line;
  for (int c = std::fgetc(in); c != EOF && c != '\n'; c = std::fgetc(in)) {
    line.push_back(static_cast<char>(c));
    if (line.size() > 4096) break;  // no answer is that long
  }
  return IsYes(line);
}

}  // namespace crate::cli
