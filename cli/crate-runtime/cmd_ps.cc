#include <stdio.h>

#include <nlohmann/json.hpp>
#include <set>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "cli/crate-runtime/commands.h"

namespace crate::cli {

// Like runc: json is the pid list; table runs ps(1) with the given options
// (default -ef) and keeps the header and the container's lines.
int CmdPs(const GlobalOptions& g, const Args& args) {
  std::string format = "table";
  Flags flags;
  flags.String("format,f", &format, "table or json");
  Args pos;
  absl::Status s = flags.Parse(args, &pos);
  if (s.ok() && pos.empty()) {
    s = absl::InvalidArgumentError("\"ps\" requires a container ID");
  }
  if (!s.ok()) return Fail(s);
  absl::StatusOr<linux::Container> c = linux::Container::Load(g.root, pos[0]);
  if (!c.ok()) return Fail(c.status());
  absl::StatusOr<std::vector<pid_t>> pids = c->Pids();
  if (!pids.ok()) return Fail(pids.status());
  if (format == "json") {
    std::string out = nlohmann::json(*pids).dump() + "\n";
    fwrite(out.data(), 1, out.size(), stdout);
    return 0;
  }
  if (format != "table") {
    return Fail(absl::InvalidArgumentError(
        absl::StrCat("invalid format \"", format, "\" (want table or json)")));
  }
  std::vector<std::string> ps_args(pos.begin() + 1, pos.end());
  if (ps_args.empty()) ps_args.push_back("-ef");
  for (const std::string& a : ps_args) {
    if (a.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWX"
                            "YZ0123456789-=,:") != std::string::npos) {
      return Fail(absl::InvalidArgumentError(
          absl::StrCat("unsupported ps argument \"", a, "\"")));
    }
  }
  std::string cmd = absl::StrCat("ps ", absl::StrJoin(ps_args, " "));
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return Fail(absl::InternalError("cannot run ps"));
  std::set<pid_t> want(pids->begin(), pids->end());
  char line[4096];
  int pid_column = -1;
  bool header = true;
  while (fgets(line, sizeof(line), p) != nullptr) {
    std::vector<absl::string_view> cols =
        absl::StrSplit(line, ' ', absl::SkipWhitespace());
    if (header) {
      for (size_t i = 0; i < cols.size(); ++i) {
        if (absl::StripSuffix(cols[i], "\n") == "PID")
          pid_column = static_cast<int>(i);
      }
      fputs(line, stdout);
      header = false;
      continue;
    }
    pid_t pid;
    if (pid_column >= 0 && static_cast<size_t>(pid_column) < cols.size() &&
        absl::SimpleAtoi(cols[pid_column], &pid) && want.count(pid) != 0) {
      fputs(line, stdout);
    }
  }
  pclose(p);
  if (pid_column < 0) {
    return Fail(absl::InvalidArgumentError("ps output has no PID column"));
  }
  return 0;
}

}  // namespace crate::cli
