// A Spec written back as config.json, the inverse of ParseSpec: what the
// service builds in memory becomes the bundle's config.json that the shim
// and any other OCI runtime read.
#ifndef CRATE_RUNTIME_OCI_SPEC_JSON_H_
#define CRATE_RUNTIME_OCI_SPEC_JSON_H_

#include <string>

#include "runtime/oci/spec.h"

namespace crate::oci {

// Every field ParseSpec reads, under the runtime-spec's names. Unset
// optionals, empty strings and empty collections are left out, as runc's
// config.json leaves them; a set optional is written even when empty
// ("resources": {}), so that it parses back as set. `warnings` is not part
// of the document and is not written. Strings that are not UTF-8 have
// their bad bytes replaced by U+FFFD, as Go's encoder does for runc.
//
// For any spec ParseSpec returns, ParseSpec(SpecToJson(spec)) gives the
// same spec back (its warnings aside).
std::string SpecToJson(const Spec& spec, bool pretty = true);

}  // namespace crate::oci

#endif  // CRATE_RUNTIME_OCI_SPEC_JSON_H_
