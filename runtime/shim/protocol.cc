#include "runtime/shim/protocol.h"

#include <errno.h>
#include <poll.h>
#include <sys/socket.h>

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "runtime/base/errno_status.h"

namespace crate::shim {
namespace {

struct Kind {
  absl::StatusCode code;
  const char* name;
};

// The first entry of a code is the kind it becomes; the others are codes
// that share a kind.
constexpr Kind kKinds[] = {
    {absl::StatusCode::kNotFound, "not_found"},
    {absl::StatusCode::kAlreadyExists, "exists"},
    {absl::StatusCode::kFailedPrecondition, "state"},
    {absl::StatusCode::kInvalidArgument, "invalid"},
    {absl::StatusCode::kOutOfRange, "invalid"},
    {absl::StatusCode::kPermissionDenied, "denied"},
    {absl::StatusCode::kUnauthenticated, "denied"},
    {absl::StatusCode::kUnavailable, "unavailable"},
    {absl::StatusCode::kInternal, "internal"},
};

const char* KindName(absl::StatusCode code) {
  for (const Kind& k : kKinds) {
    if (k.code == code) return k.name;
  }
  return "internal";
}

bool KindCode(absl::string_view name, absl::StatusCode* code) {
  for (const Kind& k : kKinds) {
    if (name == k.name) {
      *code = k.code;
      return true;
    }
  }
  return false;
}

// Milliseconds for poll(2) until `deadline`, rounded up so that a wait
// never ends just before it; -1 for no deadline.
int PollTimeout(absl::Time deadline) {
  if (deadline == absl::InfiniteFuture()) return -1;
  absl::Duration left = deadline - absl::Now();
  if (left <= absl::ZeroDuration()) return 0;
  int64_t ms =
      absl::ToInt64Milliseconds(absl::Ceil(left, absl::Milliseconds(1)));
  return ms > 1 << 30 ? 1 << 30 : static_cast<int>(ms);
}

// Waits for `events` on `fd`; false when the deadline passed first.
absl::StatusOr<bool> WaitFor(int fd, short events, absl::Time deadline,
                             const char* op) {
  while (true) {
    struct pollfd p = {fd, events, 0};
    int n = ::poll(&p, 1, PollTimeout(deadline));
    if (n > 0) return true;
    if (n == 0) return false;
    if (errno != EINTR) return ErrnoStatus(op, "shim socket");
  }
}

bool PeerGone(int err) {
  return err == EPIPE || err == ECONNRESET || err == ENOTCONN;
}

// Lets the socket hold a message of `size` bytes: an AF_UNIX datagram must
// fit in the sender's buffer whole, and the default buffer (208 KiB) is
// smaller than kMaxMessageBytes.
void RaiseSendBuffer(int fd, size_t size) {
  // The kernel doubles the value for its bookkeeping and caps it at
  // net.core.wmem_max; FORCE ignores the cap but needs CAP_NET_ADMIN.
  int want = static_cast<int>(size) + 4096;
  setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &want, sizeof(want));
  int have = 0;
  socklen_t len = sizeof(have);
  if (getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &have, &len) == 0 && have < want) {
    setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &want, sizeof(want));
  }
}

// The start of a bad message, printable, for an error that names it.
std::string Excerpt(absl::string_view data) {
  std::string out;
  for (char c : data.substr(0, 64)) {
    if (c >= 0x20 && c < 0x7f) {
      out.push_back(c);
    } else {
      absl::StrAppend(
          &out, "\\x",
          absl::Hex(static_cast<unsigned char>(c), absl::kZeroPad2));
    }
  }
  if (data.size() > 64) out += "...";
  return out;
}

}  // namespace

absl::Status SendMessage(int fd, const nlohmann::json& msg,
                         absl::Duration timeout) {
  std::string data =
      msg.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (data.size() > kMaxMessageBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("send message: ", data.size(),
                     " bytes is more than the limit of ", kMaxMessageBytes));
  }
  absl::Time deadline = absl::Now() + timeout;
  bool raised = false;
  while (true) {
    ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n >= 0) return absl::OkStatus();  // a datagram goes whole or not
    int err = errno;
    if (err == EINTR) continue;
    if (err == EMSGSIZE && !raised) {
      raised = true;
      RaiseSendBuffer(fd, data.size());
      continue;
    }
    if (err == EMSGSIZE) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "send message: ", data.size(),
          " bytes do not fit the socket's send buffer (net.core.wmem_max)"));
    }
    if (err == EAGAIN || err == EWOULDBLOCK) {
      absl::StatusOr<bool> ready = WaitFor(fd, POLLOUT, deadline, "send");
      if (!ready.ok()) return ready.status();
      if (!*ready) {
        return absl::DeadlineExceededError(
            absl::StrCat("send message: the peer has not read for ",
                         absl::FormatDuration(timeout)));
      }
      continue;
    }
    if (PeerGone(err)) {
      return absl::UnavailableError(
          "send message: shim connection closed by the other end");
    }
    return ErrnoToStatus(err, "send message on", "shim socket");
  }
}

absl::StatusOr<nlohmann::json> ReceiveMessage(int fd, absl::Duration timeout,
                                              size_t max_bytes) {
  absl::Time deadline = absl::Now() + timeout;
  // Not zero-filled: only the pages a message touches are faulted in.
  std::unique_ptr<char[]> buf(new char[max_bytes]);
  ssize_t n;
  struct msghdr mh;
  while (true) {
    absl::StatusOr<bool> ready = WaitFor(fd, POLLIN, deadline, "receive");
    if (!ready.ok()) return ready.status();
    if (!*ready) {
      return absl::DeadlineExceededError(absl::StrCat(
          "receive message: none within ", absl::FormatDuration(timeout)));
    }
    struct iovec iov = {buf.get(), max_bytes};
    mh = {};
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    n = ::recvmsg(fd, &mh, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
    if (n >= 0) break;
    int err = errno;
    if (err == EINTR || err == EAGAIN || err == EWOULDBLOCK) continue;
    if (PeerGone(err)) break;
    return ErrnoToStatus(err, "receive message on", "shim socket");
  }
  if (n <= 0) {
    return absl::UnavailableError(
        "receive message: shim connection closed by the other end");
  }
  if (mh.msg_flags & MSG_TRUNC) {
    return absl::DataLossError(absl::StrCat("receive message: longer than ",
                                            max_bytes, " bytes, cut short"));
  }
  absl::string_view data(buf.get(), static_cast<size_t>(n));
  nlohmann::json msg;
  try {
    msg = nlohmann::json::parse(data.begin(), data.end());
  } catch (const nlohmann::json::exception& e) {
    return absl::DataLossError(absl::StrCat("receive message: malformed JSON (",
                                            e.what(), "): ", Excerpt(data)));
  }
  if (!msg.is_object()) {
    return absl::DataLossError(
        absl::StrCat("receive message: not a JSON object: ", Excerpt(data)));
  }
  return msg;
}

nlohmann::json OkResponse() { return {{"ok", true}}; }

nlohmann::json ErrorResponse(const absl::Status& status, int err) {
  if (status.ok()) return OkResponse();
  nlohmann::json j = {{"ok", false},
                      {"kind", KindName(status.code())},
                      {"message", std::string(status.message())}};
  if (err != 0) j["errno"] = err;
  return j;
}

absl::Status StatusFromResponse(const nlohmann::json& response) {
  auto ok = response.is_object() ? response.find("ok") : response.end();
  if (!response.is_object() || ok == response.end() || !ok->is_boolean()) {
    return absl::DataLossError(absl::StrCat(
        "malformed shim response (no boolean \"ok\"): ",
        Excerpt(response.dump(-1, ' ', false,
                              nlohmann::json::error_handler_t::replace))));
  }
  if (ok->get<bool>()) return absl::OkStatus();
  std::string message = "the shim gave no message";
  auto m = response.find("message");
  if (m != response.end() && m->is_string()) message = m->get<std::string>();
  std::string kind;
  auto k = response.find("kind");
  if (k != response.end() && k->is_string()) kind = k->get<std::string>();
  absl::StatusCode code;
  if (!KindCode(kind, &code)) {
    return absl::InternalError(
        absl::StrCat("shim error of unknown kind \"", kind, "\": ", message));
  }
  return absl::Status(code, message);
}

int ErrnoFromResponse(const nlohmann::json& response) {
  if (!response.is_object()) return 0;
  auto e = response.find("errno");
  if (e == response.end() || !e->is_number_integer()) return 0;
  int64_t v = e->get<int64_t>();
  return v > 0 && v < 4096 ? static_cast<int>(v) : 0;
}

}  // namespace crate::shim
