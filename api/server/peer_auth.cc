#include "api/server/peer_auth.h"

#include <sys/socket.h>
#include <sys/stat.h>

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "runtime/base/errno_status.h"
#include "runtime/base/file_util.h"

namespace crate::server {

absl::StatusOr<PeerCred> PeerCredOf(int fd) {
  struct ucred cred = {};
  socklen_t len = sizeof(cred);
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
    return ErrnoStatus("SO_PEERCRED of connection");
  }
  PeerCred peer{cred.pid, cred.uid, cred.gid, {}};
  // The supplementary groups are not in SO_PEERCRED; a process that is gone
  // by now simply has none.
  absl::StatusOr<std::string> status =
      ReadFile(absl::StrCat("/proc/", cred.pid, "/status"), 1 << 16);
  if (status.ok()) {
    for (absl::string_view line : absl::StrSplit(*status, '\n')) {
      if (!absl::ConsumePrefix(&line, "Groups:")) continue;
      for (absl::string_view g :
           absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipEmpty())) {
        gid_t gid;
        if (absl::SimpleAtoi(g, &gid)) peer.groups.push_back(gid);
      }
    }
  }
  return peer;
}

absl::StatusOr<SocketAccess> SocketAccessOf(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return ErrnoStatus("stat", path);
  return SocketAccess{st.st_uid, st.st_gid};
}

std::string DenyReason(const PeerCred& peer, const SocketAccess& access) {
  if (peer.uid == 0 || peer.uid == access.owner) return "";
  if (peer.gid == access.group ||
      std::find(peer.groups.begin(), peer.groups.end(), access.group) !=
          peer.groups.end()) {
    return "";
  }
  return absl::StrCat("uid ", peer.uid,
                      " may not use this crated: only root, uid ", access.owner,
                      " and members of group ", access.group, " may");
}

}  // namespace crate::server
