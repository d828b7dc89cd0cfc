// The text of resctrl "schemata" files: one line per resource,
// "<RESOURCE>:<domain>=<value>;<domain>=<value>...". Cache resources (L2,
// L3, and their CODE/DATA halves under CDP) take hexadecimal capacity
// bitmasks, MB takes a decimal bandwidth (percent, or MBps with mba_MBps).
#ifndef CRATE_RUNTIME_RESCTRL_SCHEMA_H_
#define CRATE_RUNTIME_RESCTRL_SCHEMA_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace crate::resctrl {

struct SchemaLine {
  std::string resource;  // "L3", "L3CODE", "MB", ...
  // Domain id -> value, normalised (masks lower-case hex without leading
  // zeros) so that "L3:0=00f" and "L3:0=F" compare equal.
  std::map<unsigned, std::string> domains;
};

// One line. Errors say what is wrong with it, without naming where it
// came from (the caller adds the JSON path).
absl::StatusOr<SchemaLine> ParseSchemaLine(absl::string_view line);

// Every non-blank line of a schemata text.
absl::StatusOr<std::vector<SchemaLine>> ParseSchemata(absl::string_view text);

// Whether every domain that `wanted` sets has that value in `existing`.
// The kernel lists every resource and domain in a group's schemata, while
// a configuration names only some, so only what is asked for is compared.
bool SchemataSatisfy(const std::vector<SchemaLine>& existing,
                     const std::vector<SchemaLine>& wanted);

// The first line of `text` for `resource` ("L3" also matches "L3CODE" and
// "L3DATA" lines, joined with '\n'), trimmed; empty if none.
std::string LinesFor(absl::string_view text, absl::string_view resource);

}  // namespace crate::resctrl

#endif  // CRATE_RUNTIME_RESCTRL_SCHEMA_H_
