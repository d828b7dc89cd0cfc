#include "runtime/resctrl/schema.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace crate::resctrl {
namespace {

bool IsCacheResource(absl::string_view name) {
  return absl::StartsWith(name, "L2") || absl::StartsWith(name, "L3");
}

bool ValidResourceName(absl::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    if (!absl::ascii_isupper(c) && !absl::ascii_isdigit(c) && c != '_') {
      return false;
    }
  }
  return true;
}

}  // namespace

absl::StatusOr<SchemaLine> ParseSchemaLine(absl::string_view line) {
  line = absl::StripAsciiWhitespace(line);
  size_t colon = line.find(':');
  if (colon == absl::string_view::npos) {
    return absl::InvalidArgumentError(absl::StrCat(
        "\"", line, "\" is not <RESOURCE>:<id>=<value>[;<id>=<value>...]"));
  }
  SchemaLine out;
  out.resource = std::string(absl::StripAsciiWhitespace(line.substr(0, colon)));
  if (!ValidResourceName(out.resource)) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", line, "\": resource name \"", out.resource,
                     "\" is not upper-case letters and digits (L3, MB, ...)"));
  }
  const bool cache = IsCacheResource(out.resource);
  for (absl::string_view token :
       absl::StrSplit(line.substr(colon + 1), ';', absl::SkipWhitespace())) {
    token = absl::StripAsciiWhitespace(token);
    std::pair<absl::string_view, absl::string_view> kv =
        absl::StrSplit(token, absl::MaxSplits('=', 1));
    absl::string_view id_text = absl::StripAsciiWhitespace(kv.first);
    absl::string_view value = absl::StripAsciiWhitespace(kv.second);
    unsigned id;
    if (!absl::SimpleAtoi(id_text, &id) || id_text.empty() ||
        !absl::ascii_isdigit(id_text[0])) {
      return absl::InvalidArgumentError(
          absl::StrCat("\"", line, "\": domain \"", token,
                       "\" does not start with a decimal cache id and '='"));
    }
    if (token.find('=') == absl::string_view::npos || value.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "\"", line, "\": domain ", id, " has no value after '='"));
    }
    std::string normal;
    if (cache) {
      uint64_t mask;
      if (value.size() > 16 || !absl::SimpleHexAtoi(value, &mask) ||
          !absl::ascii_isxdigit(value[0])) {
        return absl::InvalidArgumentError(
            absl::StrCat("\"", line, "\": domain ", id, " mask \"", value,
                         "\" is not a hexadecimal capacity bitmask"));
      }
      normal = absl::StrCat(absl::Hex(mask));
    } else {
      uint64_t v;
      if (!absl::SimpleAtoi(value, &v) || !absl::ascii_isdigit(value[0])) {
        return absl::InvalidArgumentError(
            absl::StrCat("\"", line, "\": domain ", id, " value \"", value,
                         "\" is not a decimal number"));
      }
      normal = absl::StrCat(v);
    }
    if (!out.domains.emplace(id, normal).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("\"", line, "\": domain ", id, " is given twice"));
    }
  }
  if (out.domains.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", line, "\" sets no domain (<id>=<value>)"));
  }
  return out;
}

absl::StatusOr<std::vector<SchemaLine>> ParseSchemata(absl::string_view text) {
  std::vector<SchemaLine> out;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (absl::StripAsciiWhitespace(line).empty()) continue;
    absl::StatusOr<SchemaLine> parsed = ParseSchemaLine(line);
    if (!parsed.ok()) return parsed.status();
    out.push_back(*std::move(parsed));
  }
  return out;
}

bool SchemataSatisfy(const std::vector<SchemaLine>& existing,
                     const std::vector<SchemaLine>& wanted) {
  for (const SchemaLine& w : wanted) {
    const SchemaLine* have = nullptr;
    for (const SchemaLine& e : existing) {
      if (e.resource == w.resource) have = &e;
    }
    if (have == nullptr) return false;
    for (const auto& [id, value] : w.domains) {
      auto it = have->domains.find(id);
      if (it == have->domains.end() || it->second != value) return false;
    }
  }
  return true;
}

std::string LinesFor(absl::string_view text, absl::string_view resource) {
  std::vector<absl::string_view> lines;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    line = absl::StripAsciiWhitespace(line);
    absl::string_view name = line.substr(0, line.find(':'));
    if (name == resource ||
        (resource == "L3" && (name == "L3CODE" || name == "L3DATA"))) {
      lines.push_back(line);
    }
  }
  return absl::StrJoin(lines, "\n");
}

}  // namespace crate::resctrl
