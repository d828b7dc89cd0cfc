#include "runtime/shim/timestamp.h"

#include <stdio.h>

#include <cstdint>

#include "absl/time/civil_time.h"

namespace crate::shim {
namespace {

// Reads exactly `n` decimal digits at `*pos`.
bool Digits(absl::string_view text, size_t* pos, size_t n, int* out) {
  if (text.size() - *pos < n) return false;
  int v = 0;
  for (size_t i = 0; i < n; ++i) {
    char c = text[*pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *pos += n;
  *out = v;
  return true;
}

bool Expect(absl::string_view text, size_t* pos, char a, char b = '\0') {
  if (*pos >= text.size()) return false;
  char c = text[*pos];
  if (c != a && (b == '\0' || c != b)) return false;
  ++*pos;
  return true;
}

}  // namespace

std::string FormatTimestamp(absl::Time t) {
  // By hand rather than absl::FormatTime: this runs once per log record.
  absl::TimeZone::CivilInfo ci = absl::UTCTimeZone().At(t);
  char buf[64];
  int n =
      snprintf(buf, sizeof(buf), "%04lld-%02d-%02dT%02d:%02d:%02d.%09lldZ",
               static_cast<long long>(ci.cs.year()), ci.cs.month(), ci.cs.day(),
               ci.cs.hour(), ci.cs.minute(), ci.cs.second(),
               static_cast<long long>(absl::ToInt64Nanoseconds(ci.subsecond)));
  return std::string(buf, n > 0 ? static_cast<size_t>(n) : 0);
}

bool ParseTimestamp(absl::string_view text, absl::Time* out) {
  size_t pos = 0;
  int year, month, day, hour, minute, second;
  if (!Digits(text, &pos, 4, &year) || !Expect(text, &pos, '-') ||
      !Digits(text, &pos, 2, &month) || !Expect(text, &pos, '-') ||
      !Digits(text, &pos, 2, &day) || !Expect(text, &pos, 'T', 't') ||
      !Digits(text, &pos, 2, &hour) || !Expect(text, &pos, ':') ||
      !Digits(text, &pos, 2, &minute) || !Expect(text, &pos, ':') ||
      !Digits(text, &pos, 2, &second)) {
    return false;
  }
  int64_t nanos = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    int digits = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      if (++digits > 9) return false;
      nanos = nanos * 10 + (text[pos++] - '0');
    }
    if (digits == 0) return false;
    for (; digits < 9; ++digits) nanos *= 10;
  }
  int offset_seconds = 0;
  if (Expect(text, &pos, 'Z', 'z')) {
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    int sign = text[pos++] == '-' ? -1 : 1;
    int oh, om;
    if (!Digits(text, &pos, 2, &oh) || !Expect(text, &pos, ':') ||
        !Digits(text, &pos, 2, &om) || oh > 23 || om > 59) {
      return false;
    }
    offset_seconds = sign * (oh * 3600 + om * 60);
  } else {
    return false;
  }
  if (pos != text.size()) return false;
  // CivilSecond normalises (Feb 30 becomes Mar 2), so a field that moved
  // was out of range.
  absl::CivilSecond cs(year, month, day, hour, minute, second);
  if (cs.year() != year || cs.month() != month || cs.day() != day ||
      cs.hour() != hour || cs.minute() != minute || cs.second() != second) {
    return false;
  }
  *out = absl::FromCivil(cs, absl::UTCTimeZone()) + absl::Nanoseconds(nanos) -
         absl::Seconds(offset_seconds);
  return true;
}

}  // namespace crate::shim
