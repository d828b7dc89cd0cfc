// Namespaces that config.json asks to join by path, checked before anything
// of the container exists: a path that is not a namespace file, or one of
// another type, must fail `create` with the field's name instead of failing
// (or worse, half-succeeding) inside a child.
#ifndef CRATE_RUNTIME_LINUX_NAMESPACE_FILES_H_
#define CRATE_RUNTIME_LINUX_NAMESPACE_FILES_H_

#include <set>

#include "absl/status/statusor.h"
#include "runtime/oci/spec.h"

namespace crate::linux {

// For each linux.namespaces[i] with a path: that it opens, is a namespace
// file (nsfs) and is of type namespaces[i].type. Returns the types whose
// path names the caller's own namespace (the host's, for a container):
// joining it shares it, which matters for sysctls. Errors are
// kInvalidArgument and name "linux.namespaces[i].path", the path and the
// type wanted.
absl::StatusOr<std::set<oci::NamespaceType>> CheckNamespacePaths(
    const oci::Linux& linux);

// Each linux.sysctl key belongs to a namespace of the container's own: not
// absent (oci::ValidateSysctl) and not joined from the host (`shared`).
absl::Status CheckSysctlsPrivate(const oci::Linux& linux,
                                 const std::set<oci::NamespaceType>& shared);

}  // namespace crate::linux

#endif  // CRATE_RUNTIME_LINUX_NAMESPACE_FILES_H_
