// A line of a container's CRI log, which kubelet and other tools may have
// written too: a line that parses must format back to a record that parses
// to the same time, stream, tag and text.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "runtime/shim/cri_log.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using crate::shim::CriRecord;
  absl::string_view line(reinterpret_cast<const char*>(data), size);
  CriRecord r;
  if (!crate::shim::ParseCriRecord(line, &r)) return 0;
  std::string formatted = crate::shim::FormatCriRecord(r);
  if (formatted.empty() || formatted.back() != '\n') {
    std::fprintf(stderr, "a record is formatted without its newline\n");
    std::abort();
  }
  formatted.pop_back();
  CriRecord again;
  if (!crate::shim::ParseCriRecord(formatted, &again) || again.time != r.time ||
      again.stream != r.stream || again.partial != r.partial ||
      again.text != r.text) {
    std::fprintf(stderr,
                 "property violated: a record round trips\ninput: \"%s\"\n",
                 absl::CHexEscape(line).c_str());
    std::abort();
  }
  return 0;
}
