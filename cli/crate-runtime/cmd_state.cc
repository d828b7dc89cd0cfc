#include <stdio.h>

#include <nlohmann/json.hpp>

#include "cli/crate-runtime/commands.h"

namespace crate::cli {

int CmdState(const GlobalOptions& g, const Args& args) {
  Flags flags;
  Args pos;
  absl::Status s = ParseCommand("state", flags, args, 1, "container ID", &pos);
  if (!s.ok()) return Fail(s);
  absl::StatusOr<linux::Container> c = linux::Container::Load(g.root, pos[0]);
  if (!c.ok()) return Fail(c.status());
  absl::StatusOr<linux::ContainerRecord> r = c->State();
  if (!r.ok()) return Fail(r.status());
  // The OCI state, plus what runc adds (rootfs, created, owner).
  nlohmann::ordered_json j;
  j["ociVersion"] = r->state.oci_version;
  j["id"] = r->state.id;
  j["pid"] = r->state.pid;
  j["status"] = std::string(oci::StatusName(r->state.status));
  j["bundle"] = r->state.bundle;
  j["rootfs"] = r->rootfs;
  j["created"] = r->created;
  j["owner"] = "";
  if (!r->state.annotations.empty()) j["annotations"] = r->state.annotations;
  std::string out = j.dump(2);
  out += '\n';
  fwrite(out.data(), 1, out.size(), stdout);
  return 0;
}

}  // namespace crate::cli
