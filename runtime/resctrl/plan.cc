#include "runtime/resctrl/plan.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "runtime/base/status_macros.h"

namespace crate::resctrl {
namespace {

// Names at the top of a resctrl mount that are not control groups.
bool Reserved(absl::string_view name) {
  return name == "info" || name == "mon_groups" || name == "mon_data";
}

absl::Status CheckGroupName(absl::string_view what, absl::string_view name) {
  if (name.empty() || name == "." || name == ".." || name.size() > 255 ||
      name.find_first_of(absl::string_view("/\n\0", 3)) !=
          absl::string_view::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " \"", name,
                     "\" is not a valid directory name for a resctrl group"));
  }
  if (Reserved(name)) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " \"", name,
                     "\" is the name of resctrl's own directory, not a group"));
  }
  return absl::OkStatus();
}

// Every resource a schema names must be one the host's resctrl controls.
absl::Status CheckResources(absl::string_view field, absl::string_view value,
                            const std::vector<SchemaLine>& lines,
                            const Features& f) {
  for (const SchemaLine& line : lines) {
    if (f.resources.count(line.resource)) continue;
    std::string hint;
    if (line.resource == "L3" && f.resources.count("L3CODE")) {
      hint =
          "; code/data prioritisation (CDP) is on: use L3CODE and L3DATA "
          "lines";
    } else if ((line.resource == "L3CODE" || line.resource == "L3DATA") &&
               f.resources.count("L3")) {
      hint = "; CDP is off: use an L3 line";
    }
    return absl::InvalidArgumentError(absl::StrCat(
        field, ": \"", value, "\": this host's resctrl does not control ",
        line.resource, " (no ", f.root, "/info/", line.resource, ")", hint));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<SchemaLine>> ParseField(absl::string_view field,
                                                   absl::string_view value) {
  absl::StatusOr<std::vector<SchemaLine>> lines = ParseSchemata(value);
  if (!lines.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": ", lines.status().message()));
  }
  return lines;
}

// The schemata text for the two fields, following runtime-spec: with both
// set, the non-MB lines of the first and then the line of the second.
absl::StatusOr<std::string> Combine(absl::string_view l3_field,
                                    const std::string& l3,
                                    absl::string_view mb_field,
                                    const std::string& mb, const Features& f,
                                    std::vector<SchemaLine>* parsed) {
  std::vector<std::string> text;
  if (!l3.empty()) {
    absl::StatusOr<std::vector<SchemaLine>> lines = ParseField(l3_field, l3);
    if (!lines.ok()) return lines.status();
    std::vector<SchemaLine> kept;
    std::vector<absl::string_view> raw;
    for (absl::string_view line : absl::StrSplit(l3, '\n')) {
      if (!absl::StripAsciiWhitespace(line).empty()) raw.push_back(line);
    }
    for (size_t i = 0; i < lines->size(); ++i) {
      if (!mb.empty() && (*lines)[i].resource == "MB") continue;
      kept.push_back((*lines)[i]);
      text.emplace_back(absl::StripAsciiWhitespace(raw[i]));
    }
    if (kept.empty() && mb.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(l3_field, ": \"", l3, "\" has no schema line"));
    }
    RETURN_IF_ERROR(CheckResources(l3_field, l3, kept, f));
    parsed->insert(parsed->end(), kept.begin(), kept.end());
  }
  if (!mb.empty()) {
    if (!absl::StartsWith(mb, "MB:") || mb.find('\n') != std::string::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat(mb_field, ": \"", mb,
                       "\" must be a single line starting with \"MB:\""));
    }
    absl::StatusOr<std::vector<SchemaLine>> lines = ParseField(mb_field, mb);
    if (!lines.ok()) return lines.status();
    RETURN_IF_ERROR(CheckResources(mb_field, mb, *lines, f));
    parsed->insert(parsed->end(), lines->begin(), lines->end());
    text.push_back(mb);
  }
  return absl::StrJoin(text, "\n");
}

}  // namespace

absl::StatusOr<Plan> MakePlan(const Config& config,
                              const std::string& container_id,
                              const Features& features) {
  // As runc: a configuration asking for RDT does not run without it.
  if (!features.mounted) {
    return absl::FailedPreconditionError(absl::StrCat(
        "linux.intelRdt: resctrl is not mounted at ", features.root));
  }
  Plan plan;
  if (!config.clos_id.empty()) {
    RETURN_IF_ERROR(CheckGroupName("linux.intelRdt.closID:", config.clos_id));
    plan.group = config.clos_id;
    plan.named_by_clos_id = true;
  } else {
    absl::Status s = CheckGroupName("container ID", container_id);
    if (!s.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "linux.intelRdt: without closID the group is named after the "
          "container, and ",
          s.message(), "; set closID"));
    }
    plan.group = container_id;
  }
  ASSIGN_OR_RETURN(plan.schemata,
                   Combine("linux.intelRdt.l3CacheSchema",
                           config.l3_cache_schema, "linux.intelRdt.memBwSchema",
                           config.mem_bw_schema, features, &plan.schema_lines));
  plan.must_exist = plan.named_by_clos_id && plan.schemata.empty();

  const std::set<std::string>& mon = features.mon_features;
  if (config.enable_cmt && !mon.count("llc_occupancy")) {
    return absl::InvalidArgumentError(absl::StrCat(
        "linux.intelRdt.enableCMT: this host's resctrl cannot monitor cache "
        "occupancy (no llc_occupancy in ",
        features.root, "/info/L3_MON/mon_features)"));
  }
  if (config.enable_mbm && !mon.count("mbm_total_bytes") &&
      !mon.count("mbm_local_bytes")) {
    return absl::InvalidArgumentError(absl::StrCat(
        "linux.intelRdt.enableMBM: this host's resctrl cannot monitor memory "
        "bandwidth (no mbm_total_bytes or mbm_local_bytes in ",
        features.root, "/info/L3_MON/mon_features)"));
  }
  plan.cmt = config.enable_cmt;
  plan.mbm = config.enable_mbm;
  if (plan.cmt || plan.mbm) {
    // Named after the container, so containers sharing a class are counted
    // apart.
    absl::Status s = CheckGroupName("container ID", container_id);
    if (!s.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("linux.intelRdt: monitoring groups are named after the "
                       "container, and ",
                       s.message()));
    }
    plan.mon_group = container_id;
  }
  return plan;
}

absl::StatusOr<std::string> UpdateSchemata(const std::string& l3_cache_schema,
                                           const std::string& mem_bw_schema,
                                           const Features& features) {
  if (!features.mounted) {
    return absl::FailedPreconditionError(
        absl::StrCat("resctrl is not mounted at ", features.root));
  }
  if (l3_cache_schema.empty() && mem_bw_schema.empty()) {
    return absl::InvalidArgumentError(
        "give --l3-cache-schema or --mem-bw-schema");
  }
  std::vector<SchemaLine> parsed;
  return Combine("--l3-cache-schema", l3_cache_schema, "--mem-bw-schema",
                 mem_bw_schema, features, &parsed);
}

}  // namespace crate::resctrl
