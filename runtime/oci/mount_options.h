// config.json mount options ("nosuid", "rbind", "rprivate", "mode=755", ...)
// turned into the flags and data of mount(2). Only constants: no syscalls.
#ifndef CRATE_RUNTIME_OCI_MOUNT_OPTIONS_H_
#define CRATE_RUNTIME_OCI_MOUNT_OPTIONS_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace crate::oci {

struct MountOptions {
  unsigned long flags = 0;             // MS_RDONLY, MS_BIND, MS_REC, ...
  unsigned long propagation = 0;       // MS_PRIVATE/SHARED/SLAVE/UNBINDABLE
  bool propagation_recursive = false;  // "rprivate" etc.
  // Attributes set or cleared recursively (mount_setattr), "rro", "rnosuid".
  unsigned long recursive_set = 0;
  unsigned long recursive_clear = 0;
  std::string data;  // "mode=755,size=65536k"
  bool tmpcopyup = false;
  // "idmap" maps the mount itself, "ridmap" its submounts as well.
  bool idmap = false;
  bool idmap_recursive = false;

  bool bind() const;
};

// Options that are not flags the kernel knows go to `data`, as runc does.
MountOptions ParseMountOptions(const std::vector<std::string>& options);

// Every flag-like option this runtime understands (for `features`).
std::vector<std::string> KnownMountOptions();

}  // namespace crate::oci

#endif  // CRATE_RUNTIME_OCI_MOUNT_OPTIONS_H_
