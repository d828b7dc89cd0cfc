#include "api/server/events_stream.h"

#include <poll.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "api/engine/event_filter.h"
#include "api/server/service_events.h"
#include "api/server/status_convert.h"

namespace crate::server {
namespace {

// How often a quiet stream looks whether its client went (gRPC's sync API
// has no descriptor for that); events themselves wake it at once.
constexpr absl::Duration kCancelCheck = absl::Milliseconds(500);

std::string Rfc3339(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E*SZ", t, absl::UTCTimeZone());
}

}  // namespace

grpc::Status StreamEvents(engine::Engine& engine, grpc::ServerContext* context,
                          const crate::v1::EventsRequest& request,
                          grpc::ServerWriter<crate::v1::Event>* writer) {
  if (request.since_unix_nanos() < 0 || request.until_unix_nanos() < 0) {
    return ToGrpcStatus(
        absl::InvalidArgumentError("since and until must not be negative"));
  }
  const bool has_since = request.since_unix_nanos() > 0;
  const bool has_until = request.until_unix_nanos() > 0;
  const absl::Time since = has_since
                               ? absl::FromUnixNanos(request.since_unix_nanos())
                               : absl::InfinitePast();
  const absl::Time until = has_until
                               ? absl::FromUnixNanos(request.until_unix_nanos())
                               : absl::InfiniteFuture();
  if (has_since && has_until && since > until) {
    return ToGrpcStatus(absl::InvalidArgumentError(absl::StrCat(
        "since (", Rfc3339(since), ") is after until (", Rfc3339(until), ")")));
  }
  absl::StatusOr<engine::EventFilter> filter = engine::ParseEventFilters(
      {request.filters().begin(), request.filters().end()});
  if (!filter.ok()) return ToGrpcStatus(filter.status());

  absl::StatusOr<std::unique_ptr<engine::EventFollower>> follower =
      engine.events().Follow(has_since);
  if (!follower.ok()) return ToGrpcStatus(follower.status());
  // After the follower: the dies this finds are journaled where it reads.
  absl::StatusOr<std::unique_ptr<engine::ExitWatcher>> exits =
      engine.WatchExits();
  if (!exits.ok()) return ToGrpcStatus(exits.status());

  bool first = true;
  for (;;) {
    absl::StatusOr<std::vector<engine::Event>> events = (*follower)->Next();
    if (!events.ok()) return ToGrpcStatus(events.status());
    // What was kept is told in time order (an exit noted late carries the
    // time it happened); live events as they come.
    if (first) {
      std::stable_sort(events->begin(), events->end(),
                       [](const engine::Event& a, const engine::Event& b) {
                         return a.time < b.time;
                       });
      first = false;
    }
    for (const engine::Event& e : *events) {
      if (e.time < since || e.time > until) continue;
      if (!engine::MatchesEventFilter(*filter, e)) continue;
      if (!writer->Write(ToProto(e))) return grpc::Status::OK;
    }
    const absl::Time now = absl::Now();
    if (now >= until || context->IsCancelled()) return grpc::Status::OK;
    struct pollfd fds[2] = {{(*follower)->fd(), POLLIN, 0},
                            {(*exits)->fd(), POLLIN, 0}};
    absl::Duration wait = std::min(kCancelCheck, until - now);
    int ms = std::max<int64_t>(1, absl::ToInt64Milliseconds(wait));
    if (poll(fds, 2, ms) > 0 && fds[1].revents != 0) {
      engine.NoteExits((*exits)->Changed());
    }
  }
}

}  // namespace crate::server
