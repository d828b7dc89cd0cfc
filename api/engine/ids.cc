#include "api/engine/ids.h"

#include <errno.h>
#include <sys/random.h>

#include "absl/strings/ascii.h"
#include "runtime/base/errno_status.h"
#include "runtime/base/status_macros.h"

namespace crate::engine {

absl::Status RandomBytes(void* out, size_t size) {
  auto* p = static_cast<unsigned char*>(out);
  while (size > 0) {
    ssize_t n = ::getrandom(p, size, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus("getrandom");
    }
    p += n;
    size -= static_cast<size_t>(n);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> NewId() {
  static constexpr char kHex[] = "0123456789abcdef";
  while (true) {
    unsigned char bytes[kIdLength / 2];
    RETURN_IF_ERROR(RandomBytes(bytes, sizeof(bytes)));
    std::string id;
    id.reserve(kIdLength);
    for (unsigned char b : bytes) {
      id.push_back(kHex[b >> 4]);
      id.push_back(kHex[b & 0xf]);
    }
    for (char c : ShortId(id)) {
      if (!absl::ascii_isdigit(c)) return id;
    }
  }
}

bool IsIdPrefix(absl::string_view s) {
  if (s.empty() || s.size() > kIdLength) return false;
  for (char c : s) {
    if (!absl::ascii_isdigit(c) && !(c >= 'a' && c <= 'f')) return false;
  }
  return true;
}

bool IsFullId(absl::string_view s) {
  return s.size() == kIdLength && IsIdPrefix(s);
}

absl::string_view ShortId(absl::string_view id) {
  return id.substr(0, kShortIdLength);
}

}  // namespace crate::engine
