// A small command-line flag parser in the style of runc's (urfave/cli):
// "--name value", "--name=value", "-n value", one or two dashes, boolean
// flags without a value. Hand-written because start-up time matters here.
#ifndef CRATE_CLI_CRATE_RUNTIME_FLAGS_H_
#define CRATE_CLI_CRATE_RUNTIME_FLAGS_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace crate::cli {

class Flags {
 public:
  // `names` is "bundle,b": every alias, comma-separated.
  void String(const char* names, std::string* out, const char* help);
  void Int(const char* names, int* out, const char* help);
  void Bool(const char* names, bool* out, const char* help);
  // May be given many times; each value is appended.
  void StringList(const char* names, std::vector<std::string>* out,
                  const char* help);

  // Parses args; flags and positional arguments may be mixed until "--".
  // With stop_at_positional, the first positional argument ends the flags
  // (for the global flags before the command name).
  absl::Status Parse(const std::vector<std::string>& args,
                     std::vector<std::string>* positional,
                     bool stop_at_positional = false);

  // "  --bundle, -b value   help" lines.
  std::string Help() const;

 private:
  enum class Kind { kString, kInt, kBool, kList };
  struct Flag {
    std::vector<std::string> names;
    Kind kind;
    void* out;
    const char* help;
  };
  const Flag* Find(absl::string_view name) const;
  void Add(const char* names, Kind kind, void* out, const char* help);

  std::vector<Flag> flags_;
};

}  // namespace crate::cli

#endif  // CRATE_CLI_CRATE_RUNTIME_FLAGS_H_
