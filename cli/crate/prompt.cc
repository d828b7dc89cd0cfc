#include "cli/crate/prompt.h"

#include "absl/strings/ascii.h"
#include "absl/strings/string_view.h"

namespace crate::cli {

bool Confirm(std::FILE* in, std::FILE* out, const std::string& question) {
  std::fprintf(out, "%s [y/N] ", question.c_str());
  std::fflush(out);
  std::string line;
  char buf[256];
  bool got = false;
  while (std::fgets(buf, sizeof(buf), in) != nullptr) {
    got = true;
    line += buf;
    if (!line.empty() && line.back() == '\n') break;
  }
  if (!got) {
    std::fputc('\n', out);  // the answer's line, which never came
    return false;
  }
  absl::string_view answer = absl::StripAsciiWhitespace(line);
  return answer == "y" || answer == "Y";
}

}  // namespace crate::cli
