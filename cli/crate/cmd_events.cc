// events (and system events): the service's events as they happen, or
// those kept within --since/--until.
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "cli/crate/commands.h"
#include "cli/crate/event_rows.h"
#include "cli/crate/humanize.h"

namespace crate::cli {
namespace {

struct EventsFlags {
  std::string since;
  std::string until;
  std::vector<std::string> filters;
  std::string format;
};

int Events(Context& ctx, const EventsFlags& f) {
  crate::v1::EventsRequest request;
  const absl::Time now = absl::Now();
  absl::Time since = absl::InfinitePast(), until = absl::InfiniteFuture();
  if (!f.since.empty()) {
    absl::StatusOr<absl::Time> t = ParseSince(f.since, now);
    if (!t.ok())
      return PrintError(absl::StrCat("--since: ", t.status().message()));
    since = *t;
    request.set_since_unix_nanos(
        std::max<int64_t>(1, absl::ToUnixNanos(since)));
  }
  if (!f.until.empty()) {
    absl::StatusOr<absl::Time> t = ParseSince(f.until, now);
    if (!t.ok())
      return PrintError(absl::StrCat("--until: ", t.status().message()));
    until = *t;
    request.set_until_unix_nanos(
        std::max<int64_t>(1, absl::ToUnixNanos(until)));
  }
  if (since > until) {
    return PrintError(absl::StrCat(
        "--since (", f.since, ") must not be after --until (", f.until, ")"));
  }
  for (const std::string& filter : f.filters) request.add_filters(filter);
  absl::StatusOr<EventPrinter> printer = EventPrinter::Make(f.format);
  if (!printer.ok()) return PrintError(printer.status().message());
  absl::StatusOr<Client*> client = ctx.client();
  if (!client.ok()) return PrintError(client.status().message());
  auto call = Client::Call(kNoDeadline);
  std::unique_ptr<grpc::ClientReader<crate::v1::Event>> reader =
      (*client)->system().Events(call.get(), request);
  crate::v1::Event event;
  while (reader->Read(&event)) {
    absl::StatusOr<std::string> line = printer->Print(event);
    if (!line.ok()) {
      call->TryCancel();
      (void)reader->Finish();
      return PrintError(line.status().message());
    }
    std::fwrite(line->data(), 1, line->size(), stdout);
    std::fflush(stdout);
  }
  grpc::Status s = reader->Finish();
  return s.ok() ? 0 : (*client)->Fail(s);
}

CLI::App* AddEvents(CLI::App& parent, Context& ctx) {
  auto f = std::make_shared<EventsFlags>();
  CLI::App* cmd =
      parent.add_subcommand("events", "Get real time events from the service");
  SetUsage(cmd, "[OPTIONS]");
  cmd->add_option(
      "--since", f->since,
      "Show all events created since timestamp (2013-01-02T13:23:37Z, "
      "Unix seconds, or relative: 42m)");
  cmd->add_option("--until", f->until, "Stream events until this timestamp");
  cmd->add_option("-f,--filter", f->filters,
                  "Filter output based on conditions provided (type=, event=, "
                  "container=, image=, label=, volume=)")
      ->allow_extra_args(false);
  cmd->add_option("--format", f->format,
                  "Format output using a custom template: 'json' or "
                  "'TEMPLATE' ({{.Type}} {{.Action}} {{.Actor.ID}} ...)");
  OnRun(cmd, ctx, [&ctx, f] { return Events(ctx, *f); });
  return cmd;
}

}  // namespace

void AddEventsCommand(const CommandGroups& g, Context& ctx) {
  AddEvents(*g.root, ctx)->group(kCommandsGroup);
  AddEvents(*g.system, ctx)->group(kCommandsGroup);
}

}  // namespace crate::cli
