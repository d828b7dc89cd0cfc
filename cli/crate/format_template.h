// docker's --format: a Go template reduced to what people write for ps,
// images and inspect: {{.Field}}, {{.A.B}}, {{json .}}, {{json .Field}},
// {{join .List ","}}, {{upper .F}}, {{lower .F}}, a leading "table" for a
// header and aligned columns, and \t, \n escapes.
#ifndef CRATE_CLI_CRATE_FORMAT_TEMPLATE_H_
#define CRATE_CLI_CRATE_FORMAT_TEMPLATE_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"

namespace crate::cli {

using Json = nlohmann::ordered_json;

class FormatTemplate {
 public:
  // Unknown fields are errors when strict (docker's ps and images rows are
  // structs); otherwise "<no value>" (inspect objects are maps).
  static absl::StatusOr<FormatTemplate> Parse(absl::string_view text,
                                              bool strict);

  // Whether the text began with "table": print a header, align columns.
  bool is_table() const { return table_; }

  // The template applied to one object.
  absl::StatusOr<std::string> Render(const Json& object) const;

  // The header line of a table: each field replaced by its header (docker's
  // "CONTAINER ID" for .ID), or its name in capitals when not in `headers`.
  std::string RenderHeader(
      const std::map<std::string, std::string>& headers) const;

 private:
  struct Piece {
    std::string text;               // literal text, when func is empty
    std::string func;               // "", "field", "json", "join", ...
    std::vector<std::string> path;  // .A.B -> {"A", "B"}; "." -> {}
    std::string arg;                // join's separator
  };
  std::vector<Piece> pieces_;
  bool table_ = false;
  bool strict_ = true;
};

// How a value prints inside a template: strings as they are, lists as
// [a b], objects as map[k:v], as Go's text/template prints them.
std::string TemplateValue(const Json& value);

// What --format asks for.
enum class OutputKind { kTable, kJson, kTemplate };
OutputKind KindOf(absl::string_view format);

}  // namespace crate::cli

#endif  // CRATE_CLI_CRATE_FORMAT_TEMPLATE_H_
