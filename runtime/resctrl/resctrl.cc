#include "runtime/resctrl/resctrl.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "runtime/base/errno_status.h"
#include "runtime/base/file_util.h"
#include "runtime/base/status_macros.h"
#include "runtime/base/unique_fd.h"

namespace crate::resctrl {
namespace {

bool IsDir(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// The kernel explains a refused write or mkdir (no free CLOSID, a mask
// that is not contiguous) only in info/last_cmd_status.
absl::Status WithLastCmdStatus(const absl::Status& s, const std::string& root) {
  if (s.ok()) return s;
  absl::StatusOr<std::string> why =
      ReadFile(JoinPath(root, "info/last_cmd_status"), 4096);
  if (!why.ok()) return s;
  absl::string_view text = absl::StripAsciiWhitespace(*why);
  if (text.empty() || text == "ok") return s;
  return absl::Status(s.code(),
                      absl::StrCat(s.message(), " (resctrl: ", text, ")"));
}

absl::Status WriteGroupFile(const std::string& root, const std::string& path,
                            absl::string_view data, int mode_flags) {
  UniqueFd fd(
      open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | mode_flags, 0644));
  if (!fd.valid()) return WithLastCmdStatus(ErrnoStatus("open", path), root);
  ssize_t n = write(fd.get(), data.data(), data.size());
  if (n != static_cast<ssize_t>(data.size())) {
    absl::Status s =
        n < 0
            ? ErrnoStatus(absl::StrCat("write \"",
                                       absl::StripTrailingAsciiWhitespace(data),
                                       "\" to"),
                          path)
            : absl::InternalError(absl::StrCat("short write to ", path));
    return WithLastCmdStatus(s, root);
  }
  return absl::OkStatus();
}

absl::Status MakeGroupDir(const std::string& root, const std::string& path) {
  if (mkdir(path.c_str(), 0755) != 0) {
    return WithLastCmdStatus(ErrnoStatus("create resctrl group", path), root);
  }
  return absl::OkStatus();
}

absl::StatusOr<uint64_t> ReadUint(const std::string& path) {
  ASSIGN_OR_RETURN(std::string text, ReadFile(path, 4096));
  uint64_t v;
  if (!absl::SimpleAtoi(absl::StripAsciiWhitespace(text), &v)) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": not a number: \"", absl::StripAsciiWhitespace(text), "\""));
  }
  return v;
}

}  // namespace

Features ReadFeatures(const std::string& root) {
  Features f;
  f.root = root;
  const std::string info = JoinPath(root, "info");
  f.mounted = IsDir(info);
  if (!f.mounted) return f;
  absl::StatusOr<std::vector<std::string>> names = ListDir(info);
  if (names.ok()) {
    for (const std::string& name : *names) {
      if (IsDir(JoinPath(info, name))) f.resources.insert(name);
    }
  }
  absl::StatusOr<std::string> mon =
      ReadFile(JoinPath(info, "L3_MON/mon_features"), 4096);
  if (mon.ok()) {
    for (absl::string_view line : absl::StrSplit(*mon, '\n')) {
      line = absl::StripAsciiWhitespace(line);
      if (!line.empty()) f.mon_features.emplace(line);
    }
  }
  return f;
}

absl::StatusOr<Membership> Prepare(const std::string& root, const Plan& plan) {
  Membership m;
  m.root = root;
  m.group = JoinPath(root, plan.group);
  m.cmt = plan.cmt;
  m.mbm = plan.mbm;
  bool done = false;
  absl::Cleanup undo = [&] {
    if (!done) Remove(m).IgnoreError();
  };
  const bool exists = IsDir(m.group);
  if (plan.must_exist && !exists) {
    return absl::FailedPreconditionError(absl::StrCat(
        "linux.intelRdt.closID: class \"", plan.group, "\" does not exist (no ",
        m.group,
        "); without l3CacheSchema or memBwSchema it must be configured "
        "beforehand"));
  }
  if (exists) {
    if (!plan.schemata.empty()) {
      const std::string file = JoinPath(m.group, "schemata");
      ASSIGN_OR_RETURN(std::string text, ReadFile(file, 1 << 16));
      absl::StatusOr<std::vector<SchemaLine>> have = ParseSchemata(text);
      if (!have.ok()) return Annotate(have.status(), file);
      if (!SchemataSatisfy(*have, plan.schema_lines)) {
        return absl::FailedPreconditionError(absl::StrCat(
            "linux.intelRdt: the existing group ", m.group, " has schemata \"",
            absl::StrJoin(
                absl::StrSplit(absl::StripAsciiWhitespace(text), '\n'), "\\n"),
            "\", which differs from what l3CacheSchema/memBwSchema ask for \"",
            absl::StrJoin(absl::StrSplit(plan.schemata, '\n'), "\\n"), "\""));
      }
    }
  } else {
    RETURN_IF_ERROR(MakeGroupDir(root, m.group));
    m.created.push_back(m.group);
    if (!plan.schemata.empty()) {
      RETURN_IF_ERROR(WriteGroupFile(root, JoinPath(m.group, "schemata"),
                                     plan.schemata + "\n", O_TRUNC));
    }
  }
  if (!plan.mon_group.empty()) {
    const std::string parent = JoinPath(m.group, "mon_groups");
    // Always there on a resctrl that monitors; made for a plain tree.
    if (!IsDir(parent) && mkdir(parent.c_str(), 0755) != 0) {
      return WithLastCmdStatus(ErrnoStatus("create", parent), root);
    }
    const std::string mon = JoinPath(parent, plan.mon_group);
    RETURN_IF_ERROR(MakeGroupDir(root, mon));
    m.created.push_back(mon);
    m.mon_group = mon;
  }
  done = true;
  return m;
}

absl::Status AddTask(const Membership& m, pid_t pid) {
  const std::string text = absl::StrCat(pid, "\n");
  RETURN_IF_ERROR(
      WriteGroupFile(m.root, JoinPath(m.group, "tasks"), text, O_APPEND));
  if (!m.mon_group.empty()) {
    RETURN_IF_ERROR(
        WriteGroupFile(m.root, JoinPath(m.mon_group, "tasks"), text, O_APPEND));
  }
  return absl::OkStatus();
}

absl::Status Remove(const Membership& m) {
  absl::Status first;
  for (auto it = m.created.rbegin(); it != m.created.rend(); ++it) {
    // resctrl removes a group, files and monitoring groups included, with
    // one rmdir (its tasks go back to the parent); only a plain directory
    // tree answers ENOTEMPTY.
    if (rmdir(it->c_str()) == 0 || errno == ENOENT) continue;
    absl::Status s = errno == ENOTEMPTY
                         ? RemoveTree(*it)
                         : ErrnoStatus("remove resctrl group", *it);
    if (first.ok()) first = s;
  }
  return first;
}

absl::Status WriteSchemata(const Membership& m, const std::string& schemata) {
  return WriteGroupFile(m.root, JoinPath(m.group, "schemata"), schemata + "\n",
                        O_TRUNC);
}

absl::StatusOr<Stats> ReadStats(const Membership& m) {
  Stats st;
  const std::string info = JoinPath(m.root, "info");
  if (IsDir(JoinPath(info, "L3"))) {
    CacheInfo c;
    ASSIGN_OR_RETURN(std::string mask, ReadFile(JoinPath(info, "L3/cbm_mask")));
    c.cbm_mask = std::string(absl::StripAsciiWhitespace(mask));
    ASSIGN_OR_RETURN(c.min_cbm_bits,
                     ReadUint(JoinPath(info, "L3/min_cbm_bits")));
    ASSIGN_OR_RETURN(c.num_closids, ReadUint(JoinPath(info, "L3/num_closids")));
    st.l3_cache_info = c;
  }
  if (IsDir(JoinPath(info, "MB"))) {
    MemBwInfo b;
    ASSIGN_OR_RETURN(b.bandwidth_gran,
                     ReadUint(JoinPath(info, "MB/bandwidth_gran")));
    ASSIGN_OR_RETURN(b.delay_linear,
                     ReadUint(JoinPath(info, "MB/delay_linear")));
    ASSIGN_OR_RETURN(b.min_bandwidth,
                     ReadUint(JoinPath(info, "MB/min_bandwidth")));
    ASSIGN_OR_RETURN(b.num_closids, ReadUint(JoinPath(info, "MB/num_closids")));
    st.mem_bw_info = b;
  }
  ASSIGN_OR_RETURN(std::string root_schemata,
                   ReadFile(JoinPath(m.root, "schemata"), 1 << 16));
  ASSIGN_OR_RETURN(std::string schemata,
                   ReadFile(JoinPath(m.group, "schemata"), 1 << 16));
  st.l3_cache_schema_root = LinesFor(root_schemata, "L3");
  st.l3_cache_schema = LinesFor(schemata, "L3");
  st.mem_bw_schema_root = LinesFor(root_schemata, "MB");
  st.mem_bw_schema = LinesFor(schemata, "MB");

  if (!m.cmt && !m.mbm) return st;
  const std::string data =
      JoinPath(m.mon_group.empty() ? m.group : m.mon_group, "mon_data");
  ASSIGN_OR_RETURN(std::vector<std::string> domains, ListDir(data));
  std::sort(domains.begin(), domains.end());
  if (m.mbm) st.mbm_stats.emplace();
  if (m.cmt) st.cmt_stats.emplace();
  for (const std::string& d : domains) {
    const std::string dir = JoinPath(data, d);
    if (!IsDir(dir)) continue;
    // Each counter file exists when the hardware has that counter.
    auto read = [&](const char* name, uint64_t* out) -> absl::Status {
      const std::string file = JoinPath(dir, name);
      if (!PathExists(file)) return absl::OkStatus();
      ASSIGN_OR_RETURN(*out, ReadUint(file));
      return absl::OkStatus();
    };
    if (m.mbm) {
      MbmNode n;
      RETURN_IF_ERROR(read("mbm_total_bytes", &n.mbm_total_bytes));
      RETURN_IF_ERROR(read("mbm_local_bytes", &n.mbm_local_bytes));
      st.mbm_stats->push_back(n);
    }
    if (m.cmt) {
      CmtNode n;
      RETURN_IF_ERROR(read("llc_occupancy", &n.llc_occupancy));
      st.cmt_stats->push_back(n);
    }
  }
  return st;
}

}  // namespace crate::resctrl
