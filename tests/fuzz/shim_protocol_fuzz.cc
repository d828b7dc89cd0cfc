// The crated <-> shim protocol from the shim's side: any datagram a peer
// on the socket sends. A request that parses must serialise to JSON that
// parses to the same JSON again; client frames must parse or be refused.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "nlohmann/json.hpp"
#include "runtime/shim/frames.h"
#include "runtime/shim/requests.h"

namespace {

void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "property violated: %s\n", what);
    std::abort();
  }
}

template <typename R>
void RoundTrip(const nlohmann::json& j, const char* what) {
  absl::StatusOr<R> r = R::FromJson(j);
  if (!r.ok()) return;
  nlohmann::json out = r->ToJson();
  absl::StatusOr<R> again = R::FromJson(out);
  Check(again.ok() && again->ToJson() == out, what);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace crate::shim;  // NOLINT: the request types
  nlohmann::json j = nlohmann::json::parse(data, data + size, nullptr,
                                           /*allow_exceptions=*/false);
  if (j.is_discarded()) return 0;
  RoundTrip<StateRequest>(j, "state");
  RoundTrip<StartRequest>(j, "start");
  RoundTrip<KillRequest>(j, "kill");
  RoundTrip<ExecRequest>(j, "exec");
  RoundTrip<ResizeRequest>(j, "resize");
  RoundTrip<WaitRequest>(j, "wait");
  RoundTrip<AttachRequest>(j, "attach");
  RoundTrip<ShutdownRequest>(j, "shutdown");
  if (j.is_object()) ParseClientFrame(j).IgnoreError();
  return 0;
}
