#include "registry/reference/reference.h"

#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "runtime/base/status_macros.h"

namespace crate::registry {
namespace {

// docker's rule for a reference's first component: a domain when it has
// '.' or ':', is "localhost", or has an uppercase letter.
bool NamesADomain(absl::string_view first) {
  return first.find_first_of(".:") != absl::string_view::npos ||
         first == "localhost" || absl::AsciiStrToLower(first) != first;
}

bool IsLowerAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}
bool IsAlnum(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c));
}
bool IsWord(char c) { return IsAlnum(c) || c == '_'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsHex(char c) {
  return absl::ascii_isxdigit(static_cast<unsigned char>(c));
}

bool AllOf(absl::string_view s, bool (*pred)(char)) {
  for (char c : s) {
    if (!pred(c)) return false;
  }
  return true;
}

// [a-z0-9]+ ( ( "." | "_" | "__" | "-"+ ) [a-z0-9]+ )*
bool ValidPathComponent(absl::string_view c) {
  size_t i = 0;
  while (i < c.size()) {
    size_t start = i;
    while (i < c.size() && IsLowerAlnum(c[i])) ++i;
    if (i == start) return false;  // empty alphanumeric run
    if (i == c.size()) return true;
    size_t sep_start = i;
    while (i < c.size() && !IsLowerAlnum(c[i])) ++i;
    absl::string_view sep = c.substr(sep_start, i - sep_start);
    bool ok = sep == "." || sep == "_" || sep == "__" ||
              AllOf(sep, [](char ch) { return ch == '-'; });
    if (!ok || i == c.size()) return false;
  }
  return false;  // empty component
}

bool ValidRemoteName(absl::string_view name) {
  for (absl::string_view c : absl::StrSplit(name, '/')) {
    if (!ValidPathComponent(c)) return false;
  }
  return true;
}

// [a-zA-Z0-9] | [a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]
bool ValidDomainLabel(absl::string_view l) {
  if (l.empty() || !IsAlnum(l.front()) || !IsAlnum(l.back())) return false;
  return AllOf(l, [](char c) { return IsAlnum(c) || c == '-'; });
}

bool ValidPort(absl::string_view p) { return !p.empty() && AllOf(p, IsDigit); }

// host [ ":" port ], host being DNS labels joined by '.' or "[ipv6]".
bool ValidDomain(absl::string_view d) {
  absl::string_view port;
  bool has_port = false;
  if (!d.empty() && d.front() == '[') {
    size_t close = d.find(']');
    if (close == absl::string_view::npos || close == 1) return false;
    absl::string_view inner = d.substr(1, close - 1);
    if (!AllOf(inner, [](char c) { return IsHex(c) || c == ':'; })) {
      return false;
    }
    absl::string_view after = d.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return false;
      has_port = true;
      port = after.substr(1);
    }
  } else {
    size_t colon = d.find(':');
    absl::string_view host = d.substr(0, colon);
    if (colon != absl::string_view::npos) {
      has_port = true;
      port = d.substr(colon + 1);
    }
    for (absl::string_view label : absl::StrSplit(host, '.')) {
      if (!ValidDomainLabel(label)) return false;
    }
  }
  return !has_port || ValidPort(port);
}

// [A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][[:xdigit:]]{32,}
bool MatchesDigestGrammar(absl::string_view d) {
  size_t colon = d.find(':');
  if (colon == absl::string_view::npos) return false;
  absl::string_view algo = d.substr(0, colon);
  absl::string_view hex = d.substr(colon + 1);
  if (hex.size() < 32 || !AllOf(hex, IsHex)) return false;
  bool need_alpha = true;
  for (char c : algo) {
    if (need_alpha) {
      if (!absl::ascii_isalpha(static_cast<unsigned char>(c))) return false;
      need_alpha = false;
    } else if (c == '-' || c == '_' || c == '+' || c == '.') {
      need_alpha = true;
    } else if (!IsAlnum(c)) {
      return false;
    }
  }
  return !need_alpha;
}

struct Parts {
  absl::string_view domain;
  absl::string_view path;
  absl::string_view name;  // domain "/" path, as written
  absl::string_view tag;
  absl::string_view digest;
  bool has_digest = false;
};

// The anchored reference grammar, structure only; the digest's algorithm and
// length are checked afterwards as go-digest does.
bool Match(absl::string_view s, Parts* out) {
  Parts p;
  absl::string_view rest = s;
  size_t at = s.find('@');
  if (at != absl::string_view::npos) {
    p.digest = s.substr(at + 1);
    p.has_digest = true;
    if (!MatchesDigestGrammar(p.digest)) return false;
    rest = s.substr(0, at);
  }
  // A ':' after the last '/' can only start the tag: a domain's port needs a
  // '/' after it.
  size_t slash = rest.rfind('/');
  size_t colon = rest.rfind(':');
  if (colon != absl::string_view::npos &&
      (slash == absl::string_view::npos || colon > slash)) {
    p.tag = rest.substr(colon + 1);
    rest = rest.substr(0, colon);
    if (p.tag.empty() || p.tag.size() > 128 || !IsWord(p.tag.front()) ||
        !AllOf(p.tag,
               [](char c) { return IsWord(c) || c == '.' || c == '-'; })) {
      return false;
    }
  }
  p.name = rest;
  size_t first = rest.find('/');
  if (first != absl::string_view::npos && ValidDomain(rest.substr(0, first)) &&
      ValidRemoteName(rest.substr(first + 1))) {
    p.domain = rest.substr(0, first);
    p.path = rest.substr(first + 1);
  } else if (ValidRemoteName(rest)) {
    p.path = rest;
  } else {
    return false;
  }
  *out = p;
  return true;
}

absl::Status Invalid(absl::string_view input, absl::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("invalid reference \"", input, "\": ", why));
}

// `display` is what the user typed, which may differ from `s` after
// normalisation, so errors name what they recognise.
absl::StatusOr<Reference> ParseGrammar(absl::string_view s,
                                       absl::string_view display,
                                       std::string* domain, std::string* path,
                                       std::string* tag,
                                       absl::optional<Digest>* digest) {
  if (s.empty()) {
    return Invalid(display, "repository name must have at least one component");
  }
  Parts p;
  if (!Match(s, &p)) {
    std::string lower = absl::AsciiStrToLower(s);
    Parts ignored;
    if (Match(lower, &ignored)) {
      return Invalid(display, "repository name must be lowercase");
    }
    return Invalid(display, "invalid reference format");
  }
  if (p.name.size() > kNameTotalLengthMax) {
    return Invalid(display,
                   absl::StrCat("repository name must not be more than ",
                                kNameTotalLengthMax, " characters"));
  }
  if (p.has_digest) {
    auto d = Digest::Parse(p.digest);
    if (!d.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "invalid reference \"", display, "\": ", d.status().message()));
    }
    *digest = *std::move(d);
  }
  *domain = std::string(p.domain);
  *path = std::string(p.path);
  *tag = std::string(p.tag);
  return Reference();
}

}  // namespace

bool IsFullHexId(absl::string_view s) {
  return s.size() == 64 &&
         AllOf(s, [](char c) { return IsDigit(c) || (c >= 'a' && c <= 'f'); });
}

absl::StatusOr<Reference> Reference::ParseStrict(absl::string_view s) {
  Reference r;
  RETURN_IF_ERROR(
      ParseGrammar(s, s, &r.domain_, &r.path_, &r.tag_, &r.digest_).status());
  return r;
}

absl::StatusOr<Reference> Reference::Parse(absl::string_view s) {
  if (s.empty()) {
    return Invalid(s, "repository name must have at least one component");
  }
  if (IsFullHexId(s)) {
    return Invalid(s,
                   "cannot specify 64-byte hexadecimal strings as a repository "
                   "name (that is an image ID)");
  }
  // splitDockerDomain.
  std::string domain;
  std::string remainder;
  size_t i = s.find('/');
  if (i == absl::string_view::npos || !NamesADomain(s.substr(0, i))) {
    domain = std::string(kDefaultDomain);
    remainder = std::string(s);
  } else {
    domain = std::string(s.substr(0, i));
    remainder = std::string(s.substr(i + 1));
  }
  if (domain == kLegacyDefaultDomain) domain = std::string(kDefaultDomain);
  if (domain == kDefaultDomain && remainder.find('/') == std::string::npos) {
    remainder = absl::StrCat(kOfficialRepoPrefix, remainder);
  }
  absl::string_view remote = remainder;
  if (size_t tag_sep = remote.find(':'); tag_sep != absl::string_view::npos) {
    remote = remote.substr(0, tag_sep);
  }
  if (absl::AsciiStrToLower(remote) != remote) {
    return Invalid(
        s, absl::StrCat("repository name (", remote, ") must be lowercase"));
  }
  Reference r;
  RETURN_IF_ERROR(ParseGrammar(absl::StrCat(domain, "/", remainder), s,
                               &r.domain_, &r.path_, &r.tag_, &r.digest_)
                      .status());
  return r;
}

absl::StatusOr<Reference> Reference::ParseDockerRef(absl::string_view s) {
  ASSIGN_OR_RETURN(Reference r, Parse(s));
  return r.WithDefaultTag();
}

std::string Reference::Name() const {
  if (domain_.empty()) return path_;
  return absl::StrCat(domain_, "/", path_);
}

std::string Reference::String() const {
  std::string out = Name();
  if (!tag_.empty()) absl::StrAppend(&out, ":", tag_);
  if (digest_) absl::StrAppend(&out, "@", digest_->ToString());
  return out;
}

std::string Reference::FamiliarName() const {
  if (domain_ != kDefaultDomain) return Name();
  absl::string_view path = path_;
  // "docker.io/registry.lan/x" must keep its domain: without it the path's
  // first component would be read as the domain (docker prints such
  // names ambiguously).
  if (size_t slash = path.find('/');
      slash != absl::string_view::npos && NamesADomain(path.substr(0, slash))) {
    return Name();
  }
  // "library/" is dropped unless what is left would be read as an image
  // ID (64 hex digits), which a name may not be.
  if (absl::StartsWith(path, kOfficialRepoPrefix) &&
      path.substr(kOfficialRepoPrefix.size()).find('/') ==
          absl::string_view::npos &&
      !IsFullHexId(path.substr(kOfficialRepoPrefix.size()))) {
    path.remove_prefix(kOfficialRepoPrefix.size());
  }
  return std::string(path);
}

std::string Reference::FamiliarString() const {
  std::string out = FamiliarName();
  if (!tag_.empty()) absl::StrAppend(&out, ":", tag_);
  if (digest_) absl::StrAppend(&out, "@", digest_->ToString());
  return out;
}

Reference Reference::WithDefaultTag() const {
  Reference r = *this;
  if (r.tag_.empty() && !r.digest_) r.tag_ = std::string(kDefaultTag);
  return r;
}

Reference Reference::WithTag(absl::string_view tag) const {
  Reference r = NameOnly();
  r.tag_ = std::string(tag);
  return r;
}

Reference Reference::WithDigest(const Digest& digest) const {
  Reference r = NameOnly();
  r.digest_ = digest;
  return r;
}

Reference Reference::NameOnly() const {
  Reference r;
  r.domain_ = domain_;
  r.path_ = path_;
  return r;
}

}  // namespace crate::registry
