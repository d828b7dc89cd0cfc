#include <poll.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "absl/types/optional.h"
#include "cli/crate-runtime/commands.h"
#include "cli/crate-runtime/intel_rdt_json.h"

namespace crate::cli {
namespace {

// runc's "stats" event, with the fields the cgroup driver accounts and,
// for a container with linux.intelRdt, its resctrl group's.
std::string StatsEvent(const std::string& id, const cgroups::Stats& s,
                       const absl::optional<resctrl::Stats>& rdt) {
  nlohmann::ordered_json data = nlohmann::ordered_json::object();
  if (s.cpu_usage_ns) data["cpu"]["usage"]["total"] = *s.cpu_usage_ns;
  if (s.memory_usage) data["memory"]["usage"]["usage"] = *s.memory_usage;
  if (s.memory_max_usage) data["memory"]["usage"]["max"] = *s.memory_max_usage;
  if (s.memory_limit) data["memory"]["usage"]["limit"] = *s.memory_limit;
  if (s.pids_current) data["pids"]["current"] = *s.pids_current;
  if (s.pids_limit) data["pids"]["limit"] = *s.pids_limit;
  if (rdt) data["intel_rdt"] = IntelRdtJson(*rdt);
  nlohmann::ordered_json j;
  j["type"] = "stats";
  j["id"] = id;
  j["data"] = data;
  return j.dump() + "\n";
}

// runc's "oom" event: the OOM killer took a process of the container.
std::string OomEvent(const std::string& id) {
  nlohmann::ordered_json j;
  j["type"] = "oom";
  j["id"] = id;
  return j.dump() + "\n";
}

void Print(const std::string& line) {
  fwrite(line.data(), 1, line.size(), stdout);
  fflush(stdout);
}

}  // namespace

int CmdEvents(const GlobalOptions& g, const Args& args) {
  bool stats = false;
  std::string interval = "5s";
  Flags flags;
  flags.Bool("stats", &stats, "print the statistics once and exit");
  flags.String("interval", &interval, "time between statistics (5s, 500ms)");
  Args pos;
  absl::Status s = ParseCommand("events", flags, args, 1, "container ID", &pos);
  if (!s.ok()) return Fail(s);
  int64_t ms = 0;
  absl::string_view iv = interval;
  bool valid = false;
  if (absl::ConsumeSuffix(&iv, "ms")) {
    valid = absl::SimpleAtoi(iv, &ms);
  } else if (absl::ConsumeSuffix(&iv, "s")) {
    valid = absl::SimpleAtoi(iv, &ms);
    ms *= 1000;
  }
  if (!valid || ms <= 0) {
    return Fail(absl::InvalidArgumentError(absl::StrCat(
        "--interval: want e.g. 5s or 500ms, got \"", interval, "\"")));
  }
  // v1 notifies each OOM through an eventfd; v2 wakes the command through
  // inotify when memory.events or cgroup.events change, and the OOM kill
  // counter is compared then. Without either, the counter is polled more
  // often than statistics are printed, so that a short-lived victim does
  // not go unnoticed for an interval.
  absl::StatusOr<linux::Container> c = linux::Container::Load(g.root, pos[0]);
  if (!c.ok()) return Fail(c.status());
  absl::StatusOr<cgroups::OomWatch> watch =
      stats ? absl::UnimplementedError("--stats") : c->WatchOom();
  const bool notified = watch.ok();
  const bool counters = notified && watch->counters_changed;
  const int64_t tick_ms = std::min<int64_t>(ms, 100);
  int64_t since_stats_ms = ms;
  absl::optional<uint64_t> oom_kills;
  while (true) {
    absl::StatusOr<cgroups::Stats> st = c->Stats();
    if (!st.ok()) {
      // A container that stops ends the stream; that is not an error.
      if (!stats &&
          st.status().code() == absl::StatusCode::kFailedPrecondition) {
        return 0;
      }
      return Fail(st.status());
    }
    if (stats) {
      absl::StatusOr<absl::optional<resctrl::Stats>> rdt = c->IntelRdtStats();
      if (!rdt.ok()) return Fail(rdt.status());
      Print(StatsEvent(pos[0], *st, *rdt));
      return 0;
    }
    if ((!notified || counters) && st->oom_kills) {
      if (oom_kills && *st->oom_kills > *oom_kills) Print(OomEvent(pos[0]));
      oom_kills = st->oom_kills;
    }
    if (since_stats_ms >= ms) {
      absl::StatusOr<absl::optional<resctrl::Stats>> rdt = c->IntelRdtStats();
      if (!rdt.ok()) return Fail(rdt.status());
      Print(StatsEvent(pos[0], *st, *rdt));
      since_stats_ms = 0;
    }
    if (!notified) {
      struct timespec ts = {static_cast<time_t>(tick_ms / 1000),
                            static_cast<long>((tick_ms % 1000) * 1000000)};
      nanosleep(&ts, nullptr);
      since_stats_ms += tick_ms;
      continue;
    }
    struct pollfd p = {watch->event.get(), POLLIN, 0};
    absl::Time start = absl::Now();
    int n = poll(&p, 1, static_cast<int>(ms - since_stats_ms));
    since_stats_ms += absl::ToInt64Milliseconds(absl::Now() - start);
    if (n == 1 && counters) {
      // Drained; the next round reads the counters and the state again.
      char buf[4096];
      while (read(watch->event.get(), buf, sizeof(buf)) > 0) {
      }
      continue;
    }
    if (n == 1) {
      uint64_t count;
      if (read(watch->event.get(), &count, sizeof(count)) < 0) continue;
      // The eventfd also fires when the cgroup is removed, which takes its
      // directory away first (runc checks the same).
      std::string control = watch->dir + "/cgroup.event_control";
      if (access(control.c_str(), F_OK) != 0) return 0;
      Print(OomEvent(pos[0]));
    }
  }
}

}  // namespace crate::cli
