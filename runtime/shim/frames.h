// Stream frames: what an attached connection carries once its attach
// request has been answered (docs/SERVICE.md, "The crated <-> shim
// protocol"). One frame is one datagram, like every message.
//
//   shim -> client   {"stream": "stdout", "data": "<base64>"}
//                    {"exit": 137}                     the last frame
//   client -> shim   {"stdin": "<base64>"}
//                    {"stream": "stdin", "data": "<base64>"}   the same
//                    {"close": "stdin"}
//                    {"resize": [rows, cols]}
//
// Output is base64 because a container writes bytes, not UTF-8 text.
#ifndef CRATE_RUNTIME_SHIM_FRAMES_H_
#define CRATE_RUNTIME_SHIM_FRAMES_H_

#include <cstddef>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"

namespace crate::shim {

// The most output bytes one frame carries. Base64 makes 22 KiB of them, so
// that a frame is small beside a socket's send buffer (208 KiB by default)
// and a slow client holds many before it is behind.
inline constexpr size_t kMaxFrameData = 16 * 1024;

// {"stream": `stream`, "data": base64 of `data`}, serialized: built as text
// so that output is not copied into a JSON tree first.
std::string StreamFrame(absl::string_view stream, absl::string_view data);

// {"exit": exit_code}.
nlohmann::json ExitFrame(int exit_code);

// A message as SendMessage sends it.
std::string SerializeMessage(const nlohmann::json& msg);

struct ClientFrame {
  enum class Kind { kStdin, kCloseStdin, kResize };
  Kind kind = Kind::kStdin;
  std::string data;  // kStdin: decoded
  int rows = 0;      // kResize: 1-65535 each
  int cols = 0;
};

// One frame from an attached client; InvalidArgument naming what is wrong.
absl::StatusOr<ClientFrame> ParseClientFrame(const nlohmann::json& msg);

}  // namespace crate::shim

#endif  // CRATE_RUNTIME_SHIM_FRAMES_H_
