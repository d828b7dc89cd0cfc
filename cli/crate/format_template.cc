#include "cli/crate/format_template.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace crate::cli {
namespace {

constexpr char kSupported[] =
    "{{.Field}}, {{.A.B}}, {{json .Field}}, {{join .Field \", \"}}, "
    "{{upper .Field}}, {{lower .Field}}";

// Splits an action's words, keeping a double-quoted string (with \" and
// \\ escapes) as one word without its quotes.
absl::StatusOr<std::vector<std::string>> Words(absl::string_view action) {
  std::vector<std::string> words;
  size_t i = 0;
  while (i < action.size()) {
    if (action[i] == ' ') {
      ++i;
      continue;
    }
    std::string word;
    if (action[i] == '"') {
      ++i;
      bool closed = false;
      for (; i < action.size(); ++i) {
        if (action[i] == '\\' && i + 1 < action.size()) {
          char next = action[++i];
          word += next == 'n' ? '\n' : next == 't' ? '\t' : next;
        } else if (action[i] == '"') {
          closed = true;
          ++i;
          break;
        } else {
          word += action[i];
        }
      }
      if (!closed) {
        return absl::InvalidArgumentError(
            absl::StrCat("template: unterminated string in {{", action, "}}"));
      }
    } else {
      while (i < action.size() && action[i] != ' ') word += action[i++];
    }
    words.push_back(std::move(word));
  }
  return words;
}

absl::StatusOr<std::vector<std::string>> Path(absl::string_view word,
                                              absl::string_view action) {
  if (word == ".") return std::vector<std::string>{};
  if (!absl::StartsWith(word, ".") || absl::EndsWith(word, ".")) {
    return absl::InvalidArgumentError(
        absl::StrCat("template: {{", action, "}}: \"", word,
                     "\" is not a field (fields start with a dot: .Names)"));
  }
  return std::vector<std::string>(absl::StrSplit(word.substr(1), '.'));
}

std::string FieldList(const Json& object) {
  std::vector<std::string> names;
  for (const auto& item : object.items()) names.push_back(item.key());
  return absl::StrJoin(names, ", ");
}

}  // namespace

std::string TemplateValue(const Json& value) {
  switch (value.type()) {
    case Json::value_t::null:
      return "<no value>";
    case Json::value_t::string:
      return value.get<std::string>();
    case Json::value_t::array: {
      std::vector<std::string> items;
      for (const Json& v : value) items.push_back(TemplateValue(v));
      return absl::StrCat("[", absl::StrJoin(items, " "), "]");
    }
    case Json::value_t::object: {
      // Go prints a map's keys sorted.
      std::map<std::string, std::string> sorted;
      for (const auto& item : value.items()) {
        sorted[item.key()] = TemplateValue(item.value());
      }
      return absl::StrCat(
          "map[", absl::StrJoin(sorted, " ", absl::PairFormatter(":")), "]");
    }
    default:
      return value.dump();
  }
}

OutputKind KindOf(absl::string_view format) {
  absl::string_view f = absl::StripAsciiWhitespace(format);
  if (f.empty() || f == "table") return OutputKind::kTable;
  if (f == "json") return OutputKind::kJson;
  return OutputKind::kTemplate;
}

absl::StatusOr<FormatTemplate> FormatTemplate::Parse(absl::string_view text,
                                                     bool strict) {
  FormatTemplate t;
  t.strict_ = strict;
  std::string body = absl::StrReplaceAll(text, {{"\\t", "\t"}, {"\\n", "\n"}});
  absl::string_view rest = body;
  if (absl::ConsumePrefix(&rest, "table")) {
    if (!rest.empty() && rest.front() != ' ' && rest.front() != '\t') {
      rest = body;  // a word that begins with "table"
    } else {
      t.table_ = true;
      rest = absl::StripLeadingAsciiWhitespace(rest);
    }
  }
  bool trim_next = false;
  while (!rest.empty()) {
    size_t open = rest.find("{{");
    absl::string_view literal = rest.substr(0, open);
    if (trim_next) literal = absl::StripLeadingAsciiWhitespace(literal);
    trim_next = false;
    if (open == absl::string_view::npos) {
      if (!literal.empty()) t.pieces_.push_back({std::string(literal)});
      break;
    }
    size_t close = rest.find("}}", open);
    if (close == absl::string_view::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("template: unclosed action in \"", text, "\""));
    }
    absl::string_view action = rest.substr(open + 2, close - open - 2);
    rest.remove_prefix(close + 2);
    // {{- and -}} trim the white space beside the action.
    if (absl::ConsumePrefix(&action, "-")) {
      literal = absl::StripTrailingAsciiWhitespace(literal);
    }
    if (absl::ConsumeSuffix(&action, "-")) trim_next = true;
    action = absl::StripAsciiWhitespace(action);
    if (!literal.empty()) t.pieces_.push_back({std::string(literal)});

    auto words = Words(action);
    if (!words.ok()) return words.status();
    Piece piece;
    auto unsupported = [&] {
      return absl::InvalidArgumentError(absl::StrCat("template: {{", action,
                                                     "}} is not supported (",
                                                     kSupported, " are)"));
    };
    if (words->size() == 1) {
      piece.func = "field";
    } else if ((*words)[0] == "json" || (*words)[0] == "upper" ||
               (*words)[0] == "lower") {
      if (words->size() != 2) return unsupported();
      piece.func = (*words)[0];
    } else if ((*words)[0] == "join") {
      if (words->size() != 3) return unsupported();
      piece.func = "join";
      piece.arg = (*words)[2];
    } else {
      return unsupported();
    }
    auto path = Path(piece.func == "field" ? (*words)[0] : (*words)[1], action);
    if (!path.ok()) return path.status();
    piece.path = *std::move(path);
    t.pieces_.push_back(std::move(piece));
  }
  return t;
}

absl::StatusOr<std::string> FormatTemplate::Render(const Json& object) const {
  std::string out;
  for (const Piece& p : pieces_) {
    if (p.func.empty()) {
      out += p.text;
      continue;
    }
    const Json* value = &object;
    static const Json kNull;
    for (const std::string& name : p.path) {
      if (value->is_object() && value->contains(name)) {
        value = &(*value)[name];
        continue;
      }
      if (strict_) {
        return absl::InvalidArgumentError(absl::StrCat(
            "template: no field \"", name, "\"",
            value->is_object()
                ? absl::StrCat(" (fields: ", FieldList(*value), ")")
                : ""));
      }
      value = &kNull;
      break;
    }
    if (p.func == "field") {
      out += TemplateValue(*value);
    } else if (p.func == "json") {
      out += value->dump();
    } else if (p.func == "upper") {
      out += absl::AsciiStrToUpper(TemplateValue(*value));
    } else if (p.func == "lower") {
      out += absl::AsciiStrToLower(TemplateValue(*value));
    } else if (p.func == "join") {
      if (!value->is_array()) {
        return absl::InvalidArgumentError(
            "template: join needs a list (such as .Config.Cmd)");
      }
      std::vector<std::string> items;
      for (const Json& v : *value) items.push_back(TemplateValue(v));
      out += absl::StrJoin(items, p.arg);
    }
  }
  return out;
}

std::string FormatTemplate::RenderHeader(
    const std::map<std::string, std::string>& headers) const {
  std::string out;
  for (const Piece& p : pieces_) {
    if (p.func.empty()) {
      out += p.text;
      continue;
    }
    std::string name = p.path.empty() ? "" : p.path.back();
    auto it = headers.find(name);
    out += it != headers.end() ? it->second : absl::AsciiStrToUpper(name);
  }
  return out;
}

}  // namespace crate::cli
