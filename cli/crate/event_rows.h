// docker events' output: its default line, its JSON message, and the
// object --format templates see (Go's field names: .Type, .Action,
// .Actor.ID, .Actor.Attributes.name, .ID, .Status, .From, .Time,
// .TimeNano, .Scope).
#ifndef CRATE_CLI_CRATE_EVENT_ROWS_H_
#define CRATE_CLI_CRATE_EVENT_ROWS_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "api/proto/crate/v1/system.pb.h"
#include "cli/crate/format_template.h"

namespace crate::cli {

// "2026-12-07T10:00:00.000000000Z container start ID (image=busybox,
// name=web)", attributes sorted by key, times in UTC.
std::string EventLine(const crate::v1::Event& event);

// docker's JSON message (json tags: status, id, from, Type, Action, Actor,
// scope, time, timeNano).
Json EventJson(const crate::v1::Event& event);

// The object a template sees.
Json EventTemplateObject(const crate::v1::Event& event);

// How one event prints under `format` (empty: the default line; "json":
// the JSON message; else a template), with its newline.
class EventPrinter {
 public:
  static absl::StatusOr<EventPrinter> Make(absl::string_view format);
  absl::StatusOr<std::string> Print(const crate::v1::Event& event) const;

 private:
  OutputKind kind_ = OutputKind::kTable;
  absl::optional<FormatTemplate> template_;
};

}  // namespace crate::cli

#endif  // CRATE_CLI_CRATE_EVENT_ROWS_H_
