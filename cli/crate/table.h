// Aligned columns as docker prints them (Go's tabwriter with a minimum
// width of 10 and a padding of 3), so that output lines up the same way.
#ifndef CRATE_CLI_CRATE_TABLE_H_
#define CRATE_CLI_CRATE_TABLE_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace crate::cli {

// Display width of UTF-8 text: one column per code point ("…" is one).
size_t DisplayWidth(absl::string_view text);

class Table {
 public:
  // A row is its cells; the last cell of a row is not padded.
  void AddRow(std::vector<std::string> cells);
  // Each line of `text` is a row whose cells are separated by tabs, as
  // rendered from a "table ..." --format template.
  void AddTabSeparated(absl::string_view text);
  // Every row, aligned, each ending in a newline.
  std::string Render() const;

 private:
  std::vector<std::vector<std::string>> rows_;
};

// Cuts text to `width` columns, the last one an ellipsis when it was
// longer (docker's Ellipsis).
std::string Ellipsis(absl::string_view text, size_t width);

}  // namespace crate::cli

#endif  // CRATE_CLI_CRATE_TABLE_H_
