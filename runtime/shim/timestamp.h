// RFC 3339 timestamps as the CRI log format and the shim's records carry
// them. Written with exactly nine fractional digits in UTC
// ("2016-10-06T00:17:09.669794202Z"), so that records sort as text and
// line up in a terminal; read in any RFC 3339 form, because logs written by
// other tools (Go's RFC3339Nano drops trailing zeros) may be read too.
#ifndef CRATE_RUNTIME_SHIM_TIMESTAMP_H_
#define CRATE_RUNTIME_SHIM_TIMESTAMP_H_

#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace crate::shim {

// "YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ"; always 30 characters for years 0-9999.
std::string FormatTimestamp(absl::Time t);

// The whole of `text` as RFC 3339: a 'T' (or 't') between date and time, an
// optional fraction of 1-9 digits, and 'Z' or a +hh:mm/-hh:mm offset. False
// for anything else, including out-of-range fields (Feb 30, 24:00).
bool ParseTimestamp(absl::string_view text, absl::Time* out);

}  // namespace crate::shim

#endif  // CRATE_RUNTIME_SHIM_TIMESTAMP_H_
