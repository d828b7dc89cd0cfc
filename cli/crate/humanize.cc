#include "cli/crate/humanize.h"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <iterator>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace crate::cli {

std::string HumanDuration(absl::Duration d) {
  const int64_t seconds = absl::ToInt64Seconds(d);
  if (seconds < 1) return "Less than a second";
  if (seconds == 1) return "1 second";
  if (seconds < 60) return absl::StrCat(seconds, " seconds");
  const int64_t minutes = absl::ToInt64Minutes(d);
  if (minutes == 1) return "About a minute";
  if (minutes < 60) return absl::StrCat(minutes, " minutes");
  // Hours round to the nearest, as go-units does; the rest truncate.
  const int64_t hours = static_cast<int64_t>(absl::ToDoubleHours(d) + 0.5);
  if (hours == 1) return "About an hour";
  if (hours < 48) return absl::StrCat(hours, " hours");
  if (hours < 24 * 7 * 2) return absl::StrCat(hours / 24, " days");
  if (hours < 24 * 30 * 2) return absl::StrCat(hours / 24 / 7, " weeks");
  if (hours < 24 * 365 * 2) return absl::StrCat(hours / 24 / 30, " months");
  return absl::StrCat(absl::ToInt64Hours(d) / 24 / 365, " years");
}

std::string HumanSize(double bytes) { return HumanSizeWithPrecision(bytes, 3); }

std::string HumanSizeWithPrecision(double bytes, int digits) {
  static constexpr const char* kUnits[] = {"B",  "kB", "MB", "GB", "TB",
                                           "PB", "EB", "ZB", "YB"};
  size_t unit = 0;
  while (bytes >= 1000.0 && unit + 1 < std::size(kUnits)) {
    bytes /= 1000.0;
    ++unit;
  }
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.*g%s", digits, bytes, kUnits[unit]);
  return buf;
}

std::string BytesSize(double bytes) {
  static constexpr const char* kUnits[] = {"B",   "KiB", "MiB", "GiB", "TiB",
                                           "PiB", "EiB", "ZiB", "YiB"};
  size_t unit = 0;
  while (bytes >= 1024.0 && unit + 1 < std::size(kUnits)) {
    bytes /= 1024.0;
    ++unit;
  }
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.4g%s", bytes, kUnits[unit]);
  return buf;
}

absl::StatusOr<int64_t> ParseMemoryBytes(absl::string_view text) {
  auto invalid = [&] {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid size: '", text, "'"));
  };
  // ^(\d+(\.\d+)*) ?([kKmMgGtTpP])?[iI]?[bB]?$, as go-units' RAMInBytes.
  size_t end = 0;
  while (end < text.size() &&
         (std::isdigit(static_cast<unsigned char>(text[end])) ||
          (end > 0 && text[end] == '.'))) {
    ++end;
  }
  if (end == 0 || text[end - 1] == '.') return invalid();
  double number = 0;
  if (!absl::SimpleAtod(text.substr(0, end), &number)) return invalid();
  absl::string_view rest = text.substr(end);
  if (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  double multiplier = 1;
  if (!rest.empty()) {
    const char* units = "kmgtp";
    const char* at = std::strchr(
        units, absl::ascii_tolower(static_cast<unsigned char>(rest.front())));
    if (at != nullptr && *at != '\0') {
      multiplier = std::pow(1024.0, static_cast<double>(at - units + 1));
      rest.remove_prefix(1);
    }
  }
  if (!rest.empty() && (rest.front() == 'i' || rest.front() == 'I')) {
    rest.remove_prefix(1);
  }
  if (!rest.empty() && (rest.front() == 'b' || rest.front() == 'B')) {
    rest.remove_prefix(1);
  }
  if (!rest.empty()) return invalid();
  return static_cast<int64_t>(number * multiplier);
}

std::string Rfc3339Nano(absl::Time t) {
  if (t == absl::InfinitePast()) return "0001-01-01T00:00:00Z";
  return absl::FormatTime("%Y-%m-%d%ET%H:%M:%E*SZ", t, absl::UTCTimeZone());
}

std::string Rfc3339NanoFixed(absl::Time t) {
  return absl::FormatTime("%Y-%m-%d%ET%H:%M:%E9SZ", t, absl::UTCTimeZone());
}

std::string GoTimeString(absl::Time t) {
  return absl::FormatTime("%Y-%m-%d %H:%M:%S %z %Z", t, absl::LocalTimeZone());
}

absl::StatusOr<absl::Time> ParseSince(absl::string_view text, absl::Time now) {
  std::string s(absl::StripAsciiWhitespace(text));
  absl::Duration ago;
  if (!s.empty() && std::isalpha(static_cast<unsigned char>(s.back())) &&
      absl::ParseDuration(s, &ago)) {
    return now - ago;
  }
  double seconds = 0;
  if (absl::SimpleAtod(s, &seconds) && s.find_first_of("eE") == s.npos) {
    return absl::FromUnixNanos(static_cast<int64_t>(seconds * 1e9));
  }
  absl::Time t;
  std::string err;
  if (absl::ParseTime(absl::RFC3339_full, s, &t, &err)) return t;
  for (const char* layout :
       {"%Y-%m-%d%ET%H:%M:%E*S", "%Y-%m-%d%ET%H:%M", "%Y-%m-%d"}) {
    if (absl::ParseTime(layout, s, absl::LocalTimeZone(), &t, &err)) return t;
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "invalid time \"", text,
      "\": expected an RFC 3339 time (2024-01-02T15:04:05Z), a date, Unix "
      "seconds, or a duration such as 10m"));
}

}  // namespace crate::cli
