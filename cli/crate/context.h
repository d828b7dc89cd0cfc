// What every command shares: the global flags, the client (connected on
// first use, so that `--help` and bad flags never start crated), and the
// action the parsed command leaves for main to run.
#ifndef CRATE_CLI_CRATE_CONTEXT_H_
#define CRATE_CLI_CRATE_CONTEXT_H_

#include <CLI/CLI.hpp>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "cli/crate/client.h"

namespace crate::cli {

class Context {
 public:
  ConnectOptions connect;

  // The connected client; the error says why there is none.
  absl::StatusOr<Client*> client();

  void set_action(std::function<int()> action) { action_ = std::move(action); }
  bool has_action() const { return static_cast<bool>(action_); }
  int RunAction() { return action_(); }

 private:
  std::unique_ptr<Client> client_;
  std::function<int()> action_;
};

// `app` runs `action` when it is the command given.
void OnRun(CLI::App* app, Context& ctx, std::function<int()> action);

// Help's usage line, docker's way: "crate run [OPTIONS] IMAGE [COMMAND]
// [ARG...]". Takes effect through UsageFormatter, which the root sets.
void SetUsage(CLI::App* app, std::string usage);

// CLI11's help with the usage lines set by SetUsage.
class UsageFormatter : public CLI::Formatter {
 public:
  std::string make_usage(const CLI::App* app, std::string name) const override;
};

// The full name of a command ("crate image ls"), for messages.
std::string CommandPath(const CLI::App* app);

}  // namespace crate::cli

#endif  // CRATE_CLI_CRATE_CONTEXT_H_
