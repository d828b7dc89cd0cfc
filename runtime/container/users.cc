#include "runtime/container/users.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "runtime/base/status_macros.h"

namespace crate::container {
namespace {

// runc's range: IDs above it do not survive the kernel's int-typed paths.
constexpr uint32_t kMaxId = 2147483647;

// The fields of each meaningful line of a colon-separated database.
template <typename Each>
void ForEachLine(absl::string_view text, size_t min_fields, Each each) {
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line[0] == '#' || line[0] == '+' || line[0] == '-') {
      continue;
    }
    std::vector<absl::string_view> f = absl::StrSplit(line, ':');
    if (f.size() >= min_fields) each(f);
  }
}

bool IsNumber(absl::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return absl::ascii_isdigit(static_cast<unsigned char>(c));
  });
}

// A numeric user or group part: digits only, within runc's range.
absl::StatusOr<uint32_t> NumericId(absl::string_view what,
                                   absl::string_view s) {
  uint64_t v = 0;
  if (!absl::SimpleAtoi(s, &v) || v > kMaxId) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " ", s, " is out of range (0 to ", kMaxId, ")"));
  }
  return static_cast<uint32_t>(v);
}

}  // namespace

std::vector<PasswdEntry> ParsePasswd(absl::string_view text) {
  std::vector<PasswdEntry> out;
  // name:password:uid:gid:gecos:home:shell
  ForEachLine(text, 4, [&](const std::vector<absl::string_view>& f) {
    PasswdEntry e;
    if (f[0].empty() || !IsNumber(f[2]) || !IsNumber(f[3]) ||
        !absl::SimpleAtoi(f[2], &e.uid) || !absl::SimpleAtoi(f[3], &e.gid)) {
      return;
    }
    e.name = std::string(f[0]);
    if (f.size() > 5) e.home = std::string(f[5]);
    out.push_back(std::move(e));
  });
  return out;
}

std::vector<GroupEntry> ParseGroup(absl::string_view text) {
  std::vector<GroupEntry> out;
  // name:password:gid:member,member
  ForEachLine(text, 3, [&](const std::vector<absl::string_view>& f) {
    GroupEntry e;
    if (f[0].empty() || !IsNumber(f[2]) || !absl::SimpleAtoi(f[2], &e.gid)) {
      return;
    }
    e.name = std::string(f[0]);
    if (f.size() > 3) {
      for (absl::string_view m : absl::StrSplit(f[3], ',', absl::SkipEmpty())) {
        e.members.emplace_back(absl::StripAsciiWhitespace(m));
      }
    }
    out.push_back(std::move(e));
  });
  return out;
}

absl::StatusOr<ResolvedUser> ResolveUser(absl::string_view spec,
                                         absl::string_view etc_passwd,
                                         absl::string_view etc_group) {
  std::vector<absl::string_view> parts = absl::StrSplit(spec, ':');
  if (parts.size() > 2) {
    return absl::InvalidArgumentError(absl::StrCat(
        "\"", spec, "\" is not name|uid[:group|gid]: too many colons"));
  }
  absl::string_view user_part = parts[0];
  absl::string_view group_part = parts.size() == 2 ? parts[1] : "";
  if (parts.size() == 2 && (user_part.empty() || group_part.empty())) {
    return absl::InvalidArgumentError(absl::StrCat(
        "\"", spec, "\" is not name|uid[:group|gid]: ",
        user_part.empty() ? "no user before" : "no group after", " the colon"));
  }

  ResolvedUser out;
  // No user means root, whose entry still gives the home and, through its
  // name, the supplementary groups.
  bool numeric_user = user_part.empty() || IsNumber(user_part);
  uint32_t uid = 0;
  if (!user_part.empty() && numeric_user) {
    ASSIGN_OR_RETURN(uid, NumericId("uid", user_part));
  }
  std::string matched_name;
  for (const PasswdEntry& e : ParsePasswd(etc_passwd)) {
    if (numeric_user ? e.uid == uid : e.name == user_part) {
      matched_name = e.name;
      out.uid = e.uid;
      out.gid = e.gid;
      if (!e.home.empty()) out.home = e.home;
      break;
    }
  }
  if (matched_name.empty()) {
    if (!numeric_user) {
      return absl::InvalidArgumentError(absl::StrCat(
          "user \"", user_part, "\" is not in the image's /etc/passwd",
          etc_passwd.empty() ? " (the image has none)" : ""));
    }
    out.uid = uid;
    out.gid = 0;
  }

  std::vector<GroupEntry> groups = ParseGroup(etc_group);
  if (!group_part.empty()) {
    bool numeric_group = IsNumber(group_part);
    uint32_t gid = 0;
    if (numeric_group) {
      ASSIGN_OR_RETURN(gid, NumericId("gid", group_part));
    }
    auto it =
        std::find_if(groups.begin(), groups.end(), [&](const GroupEntry& g) {
          return numeric_group ? g.gid == gid : g.name == group_part;
        });
    if (it != groups.end()) {
      out.gid = it->gid;
    } else if (numeric_group) {
      out.gid = gid;
    } else {
      return absl::InvalidArgumentError(absl::StrCat(
          "group \"", group_part, "\" is not in the image's /etc/group",
          etc_group.empty() ? " (the image has none)" : ""));
    }
    // An explicit group replaces the supplementary ones too, as with runc.
    return out;
  }
  if (matched_name.empty()) return out;
  for (const GroupEntry& g : groups) {
    if (std::find(g.members.begin(), g.members.end(), matched_name) ==
        g.members.end()) {
      continue;
    }
    if (std::find(out.additional_gids.begin(), out.additional_gids.end(),
                  g.gid) == out.additional_gids.end()) {
      out.additional_gids.push_back(g.gid);
    }
  }
  return out;
}

}  // namespace crate::container
