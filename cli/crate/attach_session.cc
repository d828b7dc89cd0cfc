#include "cli/crate/attach_session.h"

#include <unistd.h>

#include <cstdio>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/types/optional.h"
#include "cli/crate/detach_keys.h"
#include "cli/crate/exit_codes.h"
#include "cli/crate/process_session.h"
#include "cli/crate/signal_proxy.h"
#include "cli/crate/terminal.h"

namespace crate::cli {

int AttachAndRelay(Client& client, const std::string& container,
                   const AttachSetup& setup) {
  absl::StatusOr<std::string> keys = ParseDetachKeys(setup.detach_keys);
  if (!keys.ok()) return PrintError(keys.status().message());
  // A terminal relayed to something that is not one would turn keys into
  // garbage; docker refuses it the same way.
  const bool raw = setup.tty && setup.stdin;
  if (raw && !IsTerminal(STDIN_FILENO)) {
    return PrintError("the input device is not a TTY");
  }

  std::shared_ptr<AttachChannel> channel = OpenAttach(client.containers());
  crate::v1::AttachRequest start;
  start.mutable_start()->set_container(container);
  start.mutable_start()->set_stdin(setup.stdin);
  start.mutable_start()->set_stdout(true);
  start.mutable_start()->set_stderr(true);
  start.mutable_start()->set_start(setup.start);
  channel->Start(start);
  ProcessOutput first;
  if (!channel->Read(&first)) {
    channel->WritesDone();
    return client.Fail(channel->Finish());
  }

  absl::optional<SignalForwarding> forwarding;
  if (!setup.tty && setup.sig_proxy) {
    forwarding.emplace([&client, container](int sig) {
      crate::v1::KillContainerRequest request;
      request.set_container(container);
      request.set_signal(std::to_string(sig));
      crate::v1::KillContainerResponse response;
      auto call = Client::Call();
      client.containers().Kill(call.get(), request, &response);
    });
  }
  std::unique_ptr<RawTerminal> terminal;
  if (raw) {
    absl::StatusOr<std::unique_ptr<RawTerminal>> t =
        RawTerminal::Enter(STDIN_FILENO);
    if (!t.ok()) {
      channel->Cancel();
      return PrintError(t.status().message());
    }
    terminal = std::move(*t);
  }

  RelayOptions relay;
  relay.send_stdin = setup.stdin;
  relay.tty = setup.tty;
  relay.detach_keys = *keys;
  RelayResult result = Relay(channel, relay);
  terminal.reset();  // before anything more is printed
  switch (result.end) {
    case RelayResult::End::kExited:
      if (setup.on_exit) setup.on_exit();
      return result.exit_code;
    case RelayResult::End::kDetached:
      return 0;
    case RelayResult::End::kBroken:
      break;
  }
  if (!result.status.ok()) {
    client.Fail(result.status);
    if (!setup.start) return kExitCrateError;
    // Most likely the start's own failure: docker's codes for a command
    // that could not be run (126) or found (127).
    if (setup.on_start_failed) setup.on_start_failed();
    return ExitCodeForRunError(result.status.error_code(),
                               result.status.error_message());
  }
  return PrintError(absl::StrCat("the service ended the attach to ", container,
                                 " without the container's exit code"));
}

}  // namespace crate::cli
