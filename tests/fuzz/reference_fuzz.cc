// Image references and digests, as users, images and registries write
// them: whatever parses must print to a form that parses back to the same
// reference, and the printed forms must be stable.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/string_view.h"
#include "registry/reference/digest.h"
#include "registry/reference/reference.h"

namespace {

absl::string_view g_input;

void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "property violated: %s\ninput: \"%s\"\n", what,
                 absl::CHexEscape(g_input).c_str());
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using crate::registry::Digest;
  using crate::registry::Reference;
  absl::string_view in(reinterpret_cast<const char*>(data), size);
  g_input = in;

  if (absl::StatusOr<Digest> d = Digest::Parse(in); d.ok()) {
    absl::StatusOr<Digest> again = Digest::Parse(d->ToString());
    Check(again.ok() && again->ToString() == d->ToString(),
          "a digest's string parses back to it");
  }

  if (absl::StatusOr<Reference> r = Reference::Parse(in); r.ok()) {
    const std::string full = r->String();
    absl::StatusOr<Reference> again = Reference::Parse(full);
    Check(again.ok() && again->String() == full,
          "a reference's full form parses back to it");
    absl::StatusOr<Reference> familiar = Reference::Parse(r->FamiliarString());
    Check(familiar.ok() && familiar->String() == full,
          "a reference's familiar form parses back to it");
    Check(Reference::ParseStrict(full).ok(),
          "a normalised reference meets the strict grammar");
    Check(r->WithDefaultTag().has_tag() || r->has_digest(),
          "the default tag is added when there is neither tag nor digest");
  }
  if (absl::StatusOr<Reference> s = Reference::ParseStrict(in); s.ok()) {
    Check(Reference::ParseStrict(s->String()).ok(),
          "a strict reference prints to the strict grammar");
  }
  return 0;
}
