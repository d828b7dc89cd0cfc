// Numbers and times as docker prints them (its go-units package), so that
// the tables read the same and scripts written for docker keep working.
#ifndef CRATE_CLI_CRATE_HUMANIZE_H_
#define CRATE_CLI_CRATE_HUMANIZE_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace crate::cli {

// "Less than a second", "3 seconds", "About a minute", "5 hours", "2 weeks".
std::string HumanDuration(absl::Duration d);

// Decimal units with three significant digits: "123B", "4.26MB", "1.1GB"
// (what docker's images and ps print).
std::string HumanSize(double bytes);
// The same with `digits` significant digits; docker's system df and the
// prunes' totals print four ("102.4kB"), go-units' own default.
std::string HumanSizeWithPrecision(double bytes, int digits);

// Binary units with four significant digits: "1.944GiB" (docker info).
std::string BytesSize(double bytes);

// docker's memory values: "512m", "1.5g", "1024", "2GiB" (binary units).
absl::StatusOr<int64_t> ParseMemoryBytes(absl::string_view text);

// Go's RFC3339Nano (trailing zeros of the fraction dropped), in UTC; the
// zero time as Go prints it.
std::string Rfc3339Nano(absl::Time t);

// The fixed-width form docker logs --timestamps prints.
std::string Rfc3339NanoFixed(absl::Time t);

// Go's time.String() in the local zone: "2024-01-02 15:04:05 +0100 CET".
std::string GoTimeString(absl::Time t);

// docker's --since/--until: an RFC 3339 time or date, Unix seconds (with
// a fraction), or a duration before `now` ("10m", "1h30m").
absl::StatusOr<absl::Time> ParseSince(absl::string_view text, absl::Time now);

// A time from the API (0 means unset).
inline absl::Time FromApiNanos(int64_t nanos) {
  return nanos == 0 ? absl::InfinitePast() : absl::FromUnixNanos(nanos);
}

}  // namespace crate::cli

#endif  // CRATE_CLI_CRATE_HUMANIZE_H_
