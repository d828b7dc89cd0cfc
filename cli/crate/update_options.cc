#include "cli/crate/update_options.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "cli/crate/humanize.h"

namespace crate::cli {
namespace {

absl::Status Bad(absl::string_view flag, absl::string_view text,
                 absl::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("--", flag, " \"", text, "\": ", why));
}

absl::StatusOr<int64_t> Int(absl::string_view flag, const std::string& text) {
  int64_t v = 0;
  if (!absl::SimpleAtoi(text, &v)) return Bad(flag, text, "not a number");
  return v;
}

}  // namespace

absl::StatusOr<crate::v1::UpdateContainerRequest> ToUpdateRequest(
    const UpdateFlags& f) {
  crate::v1::UpdateContainerRequest r;
  if (!f.memory.empty()) {
    absl::StatusOr<int64_t> bytes = ParseMemoryBytes(f.memory);
    if (!bytes.ok()) return Bad("memory", f.memory, bytes.status().message());
    r.set_memory_bytes(*bytes);
  }
  if (f.memory_swap == "-1") {
    r.set_memory_swap_bytes(-1);
  } else if (!f.memory_swap.empty()) {
    absl::StatusOr<int64_t> bytes = ParseMemoryBytes(f.memory_swap);
    if (!bytes.ok()) {
      return Bad("memory-swap", f.memory_swap, bytes.status().message());
    }
    r.set_memory_swap_bytes(*bytes);
  }
  if (!f.cpus.empty()) {
    double cpus = 0;
    if (!absl::SimpleAtod(f.cpus, &cpus)) {
      return Bad("cpus", f.cpus, "not a number");
    }
    r.set_cpus(cpus);
  }
  if (!f.cpu_shares.empty()) {
    absl::StatusOr<int64_t> v = Int("cpu-shares", f.cpu_shares);
    if (!v.ok()) return v.status();
    r.set_cpu_shares(*v);
  }
  if (!f.pids_limit.empty()) {
    absl::StatusOr<int64_t> v = Int("pids-limit", f.pids_limit);
    if (!v.ok()) return v.status();
    r.set_pids_limit(*v);
  }
  if (!r.has_memory_bytes() && !r.has_memory_swap_bytes() && !r.has_cpus() &&
      !r.has_cpu_shares() && !r.has_pids_limit()) {
    return absl::InvalidArgumentError(
        "you must provide one or more flags when using this command");
  }
  return r;
}

}  // namespace crate::cli
