#include "cli/crate/login_input.h"

#include <termios.h>
#include <unistd.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace crate::cli {

std::string TrimPasswordInput(std::string text) {
  if (absl::EndsWith(text, "\n")) text.pop_back();
  if (absl::EndsWith(text, "\r")) text.pop_back();
  return text;
}

absl::StatusOr<std::string> ReadPasswordStdin(std::FILE* in, size_t max_bytes) {
  std::string text;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), in)) > 0) {
    text.append(buf, n);
    if (text.size() > max_bytes) {
      return absl::InvalidArgumentError(
          absl::StrCat("--password-stdin: the password is longer than ",
                       max_bytes, " bytes"));
    }
  }
  if (std::ferror(in)) {
    return absl::UnavailableError("--password-stdin: cannot read stdin");
  }
  return TrimPasswordInput(std::move(text));
}

std::string RegistryDisplayName(absl::string_view server) {
  if (server.empty()) return kDockerHubServer;
  if (!absl::ConsumePrefix(&server, "http://")) {
    absl::ConsumePrefix(&server, "https://");
  }
  return std::string(server.substr(0, server.find('/')));
}

absl::StatusOr<std::string> PromptLine(absl::string_view prompt, bool secret,
                                       std::FILE* in, std::FILE* out) {
  std::fprintf(out, "%.*s", static_cast<int>(prompt.size()), prompt.data());
  std::fflush(out);
  const int fd = fileno(in);
  struct termios saved;
  const bool hide = secret && tcgetattr(fd, &saved) == 0;
  if (hide) {
    struct termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    tcsetattr(fd, TCSAFLUSH, &quiet);
  }
  std::string line;
  int c;
  while ((c = std::fgetc(in)) != EOF && c != '\n') {
    line.push_back(static_cast<char>(c));
  }
  if (hide) {
    tcsetattr(fd, TCSAFLUSH, &saved);
    std::fputc('\n', out);
  }
  if (c == EOF && line.empty()) {
    return absl::InvalidArgumentError("no answer: the input ended");
  }
  return TrimPasswordInput(std::move(line));
}

}  // namespace crate::cli
