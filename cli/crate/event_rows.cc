#include "cli/crate/event_rows.h"

#include <map>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "cli/crate/humanize.h"

namespace crate::cli {
namespace {

std::map<std::string, std::string> SortedAttributes(const crate::v1::Event& e) {
  return {e.attributes().begin(), e.attributes().end()};
}

Json Attributes(const crate::v1::Event& e) {
  Json out = Json::object();
  for (const auto& [k, v] : SortedAttributes(e)) out[k] = v;
  return out;
}

}  // namespace

std::string EventLine(const crate::v1::Event& e) {
  std::string line =
      absl::StrCat(Rfc3339NanoFixed(absl::FromUnixNanos(e.time_unix_nanos())),
                   " ", e.type(), " ", e.action(), " ", e.id());
  std::vector<std::string> attrs;
  for (const auto& [k, v] : SortedAttributes(e)) {
    attrs.push_back(absl::StrCat(k, "=", v));
  }
  if (!attrs.empty())
    absl::StrAppend(&line, " (", absl::StrJoin(attrs, ", "), ")");
  return line;
}

Json EventJson(const crate::v1::Event& e) {
  Json out = Json::object();
  // docker's older fields, for containers only.
  if (e.type() == "container") {
    out["status"] = e.action();
    out["id"] = e.id();
    auto image = e.attributes().find("image");
    out["from"] = image != e.attributes().end() ? image->second : "";
  }
  out["Type"] = e.type();
  out["Action"] = e.action();
  out["Actor"] = {{"ID", e.id()}, {"Attributes", Attributes(e)}};
  out["scope"] = "local";
  out["time"] = e.time_unix_nanos() / 1000000000;
  out["timeNano"] = e.time_unix_nanos();
  return out;
}

Json EventTemplateObject(const crate::v1::Event& e) {
  Json out = Json::object();
  auto image = e.attributes().find("image");
  bool container = e.type() == "container";
  out["Status"] = container ? e.action() : "";
  out["ID"] = container ? e.id() : "";
  out["From"] = container && image != e.attributes().end() ? image->second : "";
  out["Type"] = e.type();
  out["Action"] = e.action();
  out["Actor"] = {{"ID", e.id()}, {"Attributes", Attributes(e)}};
  out["Scope"] = "local";
  out["Time"] = e.time_unix_nanos() / 1000000000;
  out["TimeNano"] = e.time_unix_nanos();
  return out;
}

absl::StatusOr<EventPrinter> EventPrinter::Make(absl::string_view format) {
  EventPrinter p;
  if (format.empty()) return p;  // the default line
  p.kind_ = KindOf(format);
  if (p.kind_ == OutputKind::kTable) {
    return absl::InvalidArgumentError(
        "--format: events has no table; use a template or json");
  }
  if (p.kind_ == OutputKind::kTemplate) {
    // Not strict: .Actor.Attributes is a map, where a missing key is
    // "<no value>", as in Go.
    absl::StatusOr<FormatTemplate> t =
        FormatTemplate::Parse(format, /*strict=*/false);
    if (!t.ok()) return t.status();
    p.template_ = *std::move(t);
  }
  return p;
}

absl::StatusOr<std::string> EventPrinter::Print(
    const crate::v1::Event& e) const {
  if (template_) {
    absl::StatusOr<std::string> text =
        template_->Render(EventTemplateObject(e));
    if (!text.ok()) return text.status();
    return *text + "\n";
  }
  if (kind_ == OutputKind::kJson) return EventJson(e).dump() + "\n";
  return EventLine(e) + "\n";
}

}  // namespace crate::cli
