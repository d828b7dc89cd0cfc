// Image references with Docker's rules ("alpine" is
// docker.io/library/alpine:latest), following the grammar of
// github.com/distribution/reference exactly:
//
//   reference  := name [ ":" tag ] [ "@" digest ]
//   name       := [ domain "/" ] component ( "/" component )*   (<= 255 chars)
//   domain     := host [ ":" port ]     host: DNS labels or "[ipv6]"
//   component  := [a-z0-9]+ ( ( "." | "_" | "__" | "-"+ ) [a-z0-9]+ )*
//   tag        := [\w][\w.-]{0,127}
//   digest     := algorithm ":" hex     (sha256: 64 lowercase hex)
//
// Parse is what the CLI and API accept; ParseStrict is the bare grammar
// (distribution's reference.Parse), kept for callers that must not rewrite a
// name, such as one read back from a registry.
#ifndef CRATE_REGISTRY_REFERENCE_REFERENCE_H_
#define CRATE_REGISTRY_REFERENCE_REFERENCE_H_

#include <ostream>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/optional.h"
#include "registry/reference/digest.h"

namespace crate::registry {

inline constexpr absl::string_view kDefaultDomain = "docker.io";
inline constexpr absl::string_view kLegacyDefaultDomain = "index.docker.io";
inline constexpr absl::string_view kOfficialRepoPrefix = "library/";
inline constexpr absl::string_view kDefaultTag = "latest";
inline constexpr size_t kNameTotalLengthMax = 255;

class Reference {
 public:
  // Docker's ParseNormalizedNamed: the domain is the first component only if
  // it contains '.' or ':', is "localhost", or has an uppercase letter;
  // otherwise docker.io is implied, and single-component docker.io names get
  // "library/". index.docker.io becomes docker.io. No default tag is added:
  // see WithDefaultTag. A bare 64-hex string is refused (it is an image ID).
  // Errors are kInvalidArgument and quote the input with the reason.
  static absl::StatusOr<Reference> Parse(absl::string_view s);

  // Parse, then WithDefaultTag: the reference to pull or look up.
  static absl::StatusOr<Reference> ParseDockerRef(absl::string_view s);

  // The grammar alone, without normalisation; domain() may be empty.
  static absl::StatusOr<Reference> ParseStrict(absl::string_view s);

  // "docker.io", "localhost:5000", "[::1]:5000"; empty only from ParseStrict.
  const std::string& domain() const { return domain_; }
  // The repository path inside the domain: "library/alpine".
  const std::string& path() const { return path_; }
  // Empty when there is no tag.
  const std::string& tag() const { return tag_; }
  const absl::optional<Digest>& digest() const { return digest_; }
  bool has_tag() const { return !tag_.empty(); }
  bool has_digest() const { return digest_.has_value(); }

  // domain/path: "docker.io/library/alpine".
  std::string Name() const;
  // The full form: "docker.io/library/alpine:latest", with "@digest" if any.
  std::string String() const;
  // The short form Docker prints: "alpine", "user/app", "localhost:5000/x".
  std::string FamiliarName() const;
  // FamiliarName with ":tag" and "@digest": "alpine:3.19".
  std::string FamiliarString() const;

  // This reference with tag "latest" if it has neither tag nor digest.
  Reference WithDefaultTag() const;
  // Same name, this tag, no digest. `tag` must already be valid (taken
  // from a parsed reference or a registry's tag list).
  Reference WithTag(absl::string_view tag) const;
  // Same name, no tag, this digest.
  Reference WithDigest(const Digest& digest) const;
  // Same name only.
  Reference NameOnly() const;

  friend bool operator==(const Reference& a, const Reference& b) {
    return a.String() == b.String();
  }
  friend bool operator!=(const Reference& a, const Reference& b) {
    return !(a == b);
  }
  friend std::ostream& operator<<(std::ostream& os, const Reference& r) {
    return os << r.String();
  }

 private:
  std::string domain_;
  std::string path_;
  std::string tag_;
  absl::optional<Digest> digest_;
};

// Whether `s` is a 64-character lowercase hex string (a full image ID
// without its "sha256:"), which Docker refuses as a repository name.
bool IsFullHexId(absl::string_view s);

}  // namespace crate::registry

#endif  // CRATE_REGISTRY_REFERENCE_REFERENCE_H_
