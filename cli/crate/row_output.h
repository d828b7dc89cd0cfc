// Lists (ps, images) printed as --format asks: docker's aligned table, one
// JSON object per line ("json"), or a template per row ("table" first for
// a header and aligned columns).
#ifndef CRATE_CLI_CRATE_ROW_OUTPUT_H_
#define CRATE_CLI_CRATE_ROW_OUTPUT_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "cli/crate/format_template.h"

namespace crate::cli {

// `default_table` is the command's own "table ..." template, used when
// format is empty or "table".
absl::StatusOr<std::string> RenderRows(
    const std::vector<Json>& rows, absl::string_view format,
    absl::string_view default_table,
    const std::map<std::string, std::string>& headers);

}  // namespace crate::cli

#endif  // CRATE_CLI_CRATE_ROW_OUTPUT_H_
