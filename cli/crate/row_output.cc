#include "cli/crate/row_output.h"

#include "absl/strings/str_cat.h"
#include "cli/crate/table.h"

namespace crate::cli {

absl::StatusOr<std::string> RenderRows(
    const std::vector<Json>& rows, absl::string_view format,
    absl::string_view default_table,
    const std::map<std::string, std::string>& headers) {
  OutputKind kind = KindOf(format);
  if (kind == OutputKind::kJson) {
    std::string out;
    for (const Json& row : rows) absl::StrAppend(&out, row.dump(), "\n");
    return out;
  }
  absl::StatusOr<FormatTemplate> t = FormatTemplate::Parse(
      kind == OutputKind::kTable ? default_table : format, /*strict=*/true);
  if (!t.ok()) return t.status();
  std::vector<std::string> lines;
  for (const Json& row : rows) {
    absl::StatusOr<std::string> line = t->Render(row);
    if (!line.ok()) return line.status();
    lines.push_back(*std::move(line));
  }
  if (!t->is_table()) {
    std::string out;
    for (const std::string& line : lines) absl::StrAppend(&out, line, "\n");
    return out;
  }
  Table table;
  table.AddTabSeparated(t->RenderHeader(headers));
  for (const std::string& line : lines) table.AddTabSeparated(line);
  return table.Render();
}

}  // namespace crate::cli
