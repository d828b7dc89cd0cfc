#include <stdio.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "cli/crate-runtime/commands.h"

namespace crate::cli {

int CmdList(const GlobalOptions& g, const Args& args) {
  std::string format = "table";
  bool quiet = false;
  Flags flags;
  flags.String("format,f", &format, "table or json");
  flags.Bool("quiet,q", &quiet, "print only the container IDs");
  Args pos;
  absl::Status s = ParseCommand("list", flags, args, 0, "none", &pos);
  if (s.ok() && format != "table" && format != "json") {
    s = absl::InvalidArgumentError(
        absl::StrCat("invalid format \"", format, "\" (want table or json)"));
  }
  if (!s.ok()) return Fail(s);
  absl::StatusOr<std::vector<linux::ContainerRecord>> list =
      linux::List(g.root);
  if (!list.ok()) return Fail(list.status());
  std::string out;
  if (quiet) {
    for (const auto& r : *list) absl::StrAppend(&out, r.state.id, "\n");
  } else if (format == "json") {
    nlohmann::ordered_json arr = nlohmann::ordered_json::array();
    for (const auto& r : *list) {
      nlohmann::ordered_json j;
      j["ociVersion"] = r.state.oci_version;
      j["id"] = r.state.id;
      j["pid"] = r.state.pid;
      j["status"] = std::string(oci::StatusName(r.state.status));
      j["bundle"] = r.state.bundle;
      j["rootfs"] = r.rootfs;
      j["created"] = r.created;
      j["owner"] = r.owner == 0 ? "root" : absl::StrCat(r.owner);
      if (!r.state.annotations.empty()) j["annotations"] = r.state.annotations;
      arr.push_back(j);
    }
    out = arr.dump() + "\n";
  } else {
    std::vector<std::vector<std::string>> rows = {
        {"ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"}};
    for (const auto& r : *list) {
      rows.push_back({r.state.id, absl::StrCat(r.state.pid),
                      std::string(oci::StatusName(r.state.status)),
                      r.state.bundle, r.created,
                      r.owner == 0 ? "root" : absl::StrCat(r.owner)});
    }
    std::vector<size_t> width(6, 0);
    for (const auto& row : rows) {
      for (size_t i = 0; i < row.size(); ++i) {
        width[i] = std::max(width[i], row[i].size());
      }
    }
    for (const auto& row : rows) {
      for (size_t i = 0; i < row.size(); ++i) {
        out += row[i];
        if (i + 1 < row.size()) out.append(width[i] - row[i].size() + 3, ' ');
      }
      out += '\n';
    }
  }
  fwrite(out.data(), 1, out.size(), stdout);
  return 0;
}

}  // namespace crate::cli
