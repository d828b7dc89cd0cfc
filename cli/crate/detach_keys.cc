#include "cli/crate/detach_keys.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace crate::cli {

absl::StatusOr<std::string> ParseDetachKeys(absl::string_view spec) {
  std::string keys;
  if (spec.empty()) return keys;
  for (absl::string_view key : absl::StrSplit(spec, ',')) {
    auto bad = [&] {
      return absl::InvalidArgumentError(absl::StrCat(
          "invalid detach keys \"", spec, "\": \"", key,
          "\" is neither one character nor ctrl-<key> with <key> one of "
          "a-z, @, [, \\, ], ^, _"));
    };
    if (key.size() == 1) {
      keys.push_back(key[0]);
      continue;
    }
    if (key.size() != 6 || !absl::StartsWith(key, "ctrl-")) return bad();
    char c = key[5];
    if (c >= 'a' && c <= 'z') {
      keys.push_back(static_cast<char>(c - 'a' + 1));
    } else if (c == '@' || c == '[' || c == '\\' || c == ']' || c == '^' ||
               c == '_') {
      // The ASCII control codes 0 and 27 to 31.
      keys.push_back(static_cast<char>(c - '@'));
    } else {
      return bad();
    }
  }
  return keys;
}

bool DetachScanner::Feed(absl::string_view in, std::string* out) {
  if (keys_.empty()) {
    out->append(in.data(), in.size());
    return false;
  }
  for (char c : in) {
    if (c == keys_[matched_]) {
      if (++matched_ == keys_.size()) return true;
      continue;
    }
    // Not the sequence after all: what was held and this byte go out,
    // except their longest end that could still begin it ("ab" held for
    // "aab" when a third "a" comes keeps "aa").
    std::string seen = keys_.substr(0, matched_) + c;
    size_t keep = std::min(seen.size() - 1, keys_.size() - 1);
    while (keep > 0 &&
           seen.compare(seen.size() - keep, keep, keys_, 0, keep) != 0) {
      --keep;
    }
    out->append(seen, 0, seen.size() - keep);
    matched_ = keep;
  }
  return false;
}

}  // namespace crate::cli
