#include "cli/crate-runtime/flags.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace crate::cli {

void Flags::Add(const char* names, Kind kind, void* out, const char* help) {
  Flag f;
  f.names = absl::StrSplit(names, ',');
  f.kind = kind;
  f.out = out;
  f.help = help;
  flags_.push_back(std::move(f));
}

void Flags::String(const char* names, std::string* out, const char* help) {
  Add(names, Kind::kString, out, help);
}
void Flags::Int(const char* names, int* out, const char* help) {
  Add(names, Kind::kInt, out, help);
}
void Flags::StringList(const char* names, std::vector<std::string>* out,
                       const char* help) {
  Add(names, Kind::kList, out, help);
}
void Flags::Bool(const char* names, bool* out, const char* help) {
  Add(names, Kind::kBool, out, help);
}

const Flags::Flag* Flags::Find(absl::string_view name) const {
  for (const Flag& f : flags_) {
    for (const std::string& n : f.names) {
      if (n == name) return &f;
    }
  }
  return nullptr;
}

absl::Status Flags::Parse(const std::vector<std::string>& args,
                          std::vector<std::string>* positional,
                          bool stop_at_positional) {
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--") {
      positional->insert(positional->end(), args.begin() + i + 1, args.end());
      return absl::OkStatus();
    }
    if (arg.size() < 2 || arg[0] != '-') {
      if (stop_at_positional) {
        positional->insert(positional->end(), args.begin() + i, args.end());
        return absl::OkStatus();
      }
      positional->push_back(arg);
      continue;
    }
    absl::string_view body = arg;
    body.remove_prefix(body[1] == '-' ? 2 : 1);
    absl::string_view name = body;
    absl::string_view value;
    bool has_value = false;
    size_t eq = body.find('=');
    if (eq != absl::string_view::npos) {
      name = body.substr(0, eq);
      value = body.substr(eq + 1);
      has_value = true;
    }
    const Flag* f = Find(name);
    if (f == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("flag provided but not defined: -", name));
    }
    if (f->kind == Kind::kBool) {
      bool v = true;
      if (has_value && !absl::SimpleAtob(value, &v)) {
        return absl::InvalidArgumentError(absl::StrCat(
            "invalid boolean value \"", value, "\" for flag -", name));
      }
      *static_cast<bool*>(f->out) = v;
      continue;
    }
    std::string v;
    if (has_value) {
      v = std::string(value);
    } else if (i + 1 < args.size()) {
      v = args[++i];
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("flag needs an argument: -", name));
    }
    if (f->kind == Kind::kString) {
      *static_cast<std::string*>(f->out) = v;
    } else if (f->kind == Kind::kList) {
      static_cast<std::vector<std::string>*>(f->out)->push_back(v);
    } else if (!absl::SimpleAtoi(v, static_cast<int*>(f->out))) {
      return absl::InvalidArgumentError(absl::StrCat(
          "invalid value \"", v, "\" for flag -", name, ": not a number"));
    }
  }
  return absl::OkStatus();
}

std::string Flags::Help() const {
  std::string out;
  for (const Flag& f : flags_) {
    std::vector<std::string> names;
    for (const std::string& n : f.names) {
      names.push_back(absl::StrCat(n.size() == 1 ? "-" : "--", n));
    }
    std::string left = absl::StrJoin(names, ", ");
    if (f.kind != Kind::kBool) absl::StrAppend(&left, " value");
    if (left.size() < 28) left.resize(28, ' ');
    absl::StrAppend(&out, "   ", left, " ", f.help, "\n");
  }
  return out;
}

}  // namespace crate::cli
