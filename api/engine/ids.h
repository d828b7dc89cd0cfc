// Container and volume IDs: 64 lowercase hex digits (256 random bits), as
// docker makes them, so that IDs from either look alike and a 12-digit
// prefix is unique in practice.
#ifndef CRATE_API_ENGINE_IDS_H_
#define CRATE_API_ENGINE_IDS_H_

#include <cstddef>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace crate::engine {

inline constexpr size_t kIdLength = 64;
inline constexpr size_t kShortIdLength = 12;

// Fills `out` from getrandom(2); fails only if the kernel has no entropy
// interface at all.
absl::Status RandomBytes(void* out, size_t size);

// A fresh ID. Like docker, never one whose short form is all decimal
// digits, which a user (or a YAML parser) would take for a number.
absl::StatusOr<std::string> NewId();

// 64 lowercase hex digits.
bool IsFullId(absl::string_view s);
// Non-empty and only lowercase hex digits: a candidate ID prefix.
bool IsIdPrefix(absl::string_view s);

// The first 12 digits, as `docker ps` shows them.
absl::string_view ShortId(absl::string_view id);

}  // namespace crate::engine

#endif  // CRATE_API_ENGINE_IDS_H_
