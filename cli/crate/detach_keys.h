// docker's detach keys: a sequence typed into an attached container's
// input that, instead of reaching it, detaches the client and leaves the
// container running (ctrl-p ctrl-q unless --detach-keys says otherwise).
#ifndef CRATE_CLI_CRATE_DETACH_KEYS_H_
#define CRATE_CLI_CRATE_DETACH_KEYS_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace crate::cli {

inline constexpr char kDefaultDetachKeys[] = "ctrl-p,ctrl-q";

// "ctrl-p,ctrl-q" → "\x10\x11": comma-separated keys, each a single
// character or ctrl-<c> with c one of a-z @ [ \ ] ^ _ (docker's set). An
// empty spec is no sequence at all (detaching by keys off).
absl::StatusOr<std::string> ParseDetachKeys(absl::string_view spec);

// Watches input for the sequence. Bytes that could be its start are held
// back until the next byte decides: the sequence itself is never sent,
// and anything else is sent whole and in order.
class DetachScanner {
 public:
  explicit DetachScanner(std::string keys) : keys_(std::move(keys)) {}

  // Appends to `out` what of `in` is to be sent; true once the sequence
  // has been typed (the rest of `in` is dropped: the client is going).
  bool Feed(absl::string_view in, std::string* out);

 private:
  std::string keys_;
  size_t matched_ = 0;  // how many of keys_ the held bytes are
};

}  // namespace crate::cli

#endif  // CRATE_CLI_CRATE_DETACH_KEYS_H_
