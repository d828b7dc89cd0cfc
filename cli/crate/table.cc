#include "cli/crate/table.h"

#include <algorithm>

#include "absl/strings/str_split.h"

namespace crate::cli {
namespace {

constexpr size_t kMinWidth = 10;
constexpr size_t kPadding = 3;

bool IsContinuation(char c) {
  return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

}  // namespace

size_t DisplayWidth(absl::string_view text) {
  return static_cast<size_t>(std::count_if(
      text.begin(), text.end(), [](char c) { return !IsContinuation(c); }));
}

void Table::AddRow(std::vector<std::string> cells) {
  rows_.push_back(std::move(cells));
}

void Table::AddTabSeparated(absl::string_view text) {
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (line.empty()) continue;
    rows_.push_back(absl::StrSplit(line, '\t'));
  }
}

std::string Table::Render() const {
  // Every cell but the last of its row belongs to a column.
  std::vector<size_t> widths;
  for (const auto& row : rows_) {
    for (size_t i = 0; i + 1 < row.size(); ++i) {
      if (widths.size() <= i) widths.push_back(0);
      widths[i] = std::max(widths[i], DisplayWidth(row[i]));
    }
  }
  std::string out;
  for (const auto& row : rows_) {
    for (size_t i = 0; i < row.size(); ++i) {
      out += row[i];
      if (i + 1 == row.size()) break;
      size_t cell = std::max(widths[i] + kPadding, kMinWidth);
      out.append(cell - DisplayWidth(row[i]), ' ');
    }
    out += '\n';
  }
  return out;
}

std::string Ellipsis(absl::string_view text, size_t width) {
  if (DisplayWidth(text) <= width) return std::string(text);
  if (width == 0) return "";
  std::string out;
  size_t columns = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (!IsContinuation(text[i])) {
      if (columns == width - 1) break;
      ++columns;
    }
    out += text[i];
  }
  return out + "…";
}

}  // namespace crate::cli
