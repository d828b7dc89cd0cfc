// The wire of the crated <-> shim protocol: one JSON object per datagram on
// a unix SOCK_SEQPACKET socket (the kernel keeps message boundaries, so no
// length prefix and no partial reads), and the error responses that carry
// an error's kind across the process boundary. The typed requests are in
// requests.h.
#ifndef CRATE_RUNTIME_SHIM_PROTOCOL_H_
#define CRATE_RUNTIME_SHIM_PROTOCOL_H_

#include <cstddef>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"

namespace crate::shim {

// The largest message either side sends or accepts.
inline constexpr size_t kMaxMessageBytes = 1 << 20;

// Sends `msg` as one datagram. A message over kMaxMessageBytes is refused
// (InvalidArgument) before anything is sent; one the socket's send buffer
// cannot hold raises the buffer once (SO_SNDBUF, then SO_SNDBUFFORCE when
// privileged) and is ResourceExhausted if that is not enough, which only a
// host whose net.core.wmem_max is under 512 KiB sees. Strings that are not
// UTF-8 are sent with U+FFFD in place of the bad bytes rather than refused:
// an error message naming a path must still arrive. On a non-blocking
// socket a full buffer is waited for up to `timeout` (DeadlineExceeded).
// A peer that has gone is Unavailable.
absl::Status SendMessage(int fd, const nlohmann::json& msg,
                         absl::Duration timeout = absl::Seconds(5));

// Waits up to `timeout` (absl::InfiniteDuration() for ever) for one message
// and parses it. DeadlineExceeded when none came; Unavailable when the peer
// closed the connection (an empty datagram reads the same, and no sender
// of ours makes one); DataLoss for a datagram longer than `max_bytes` (cut
// by the kernel: MSG_TRUNC) or one that is not a JSON object.
absl::StatusOr<nlohmann::json> ReceiveMessage(
    int fd, absl::Duration timeout, size_t max_bytes = kMaxMessageBytes);

// {"ok": true}; a response's other fields are added by the caller.
nlohmann::json OkResponse();

// {"ok": false, "kind": ..., "message": ..., "errno": err} for a failed
// request; "errno" only when err is not 0. The kind is the error's meaning
// (the engine's error kinds), from the status code:
//   NotFound              not_found
//   AlreadyExists         exists
//   FailedPrecondition    state        (wrong state: "container is running")
//   InvalidArgument       invalid      (OutOfRange too)
//   PermissionDenied      denied       (Unauthenticated too)
//   Unavailable           unavailable
//   anything else         internal
// An OK status gives OkResponse().
nlohmann::json ErrorResponse(const absl::Status& status, int err = 0);

// The status a response stands for: OK for {"ok": true}, else the code of
// its kind with its message (an unknown kind is Internal and names it).
// DataLoss for something that is not a response.
absl::Status StatusFromResponse(const nlohmann::json& response);

// The "errno" of an error response, or 0.
int ErrnoFromResponse(const nlohmann::json& response);

}  // namespace crate::shim

#endif  // CRATE_RUNTIME_SHIM_PROTOCOL_H_
