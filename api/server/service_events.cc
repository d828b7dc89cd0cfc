#include "api/server/service_events.h"

#include "absl/time/clock.h"

namespace crate::server {

void TellImage(engine::EventJournal* journal, absl::string_view action,
               const std::string& id, const std::string& name) {
  if (journal == nullptr) return;
  engine::Event e;
  e.time = absl::Now();
  e.type = "image";
  e.action = std::string(action);
  e.id = id;
  e.name = name;
  e.attributes["name"] = name;
  journal->Append(e).IgnoreError();  // the action stands without its event
}

void TellVolume(engine::EventJournal* journal, absl::string_view action,
                const std::string& name) {
  if (journal == nullptr) return;
  engine::Event e;
  e.time = absl::Now();
  e.type = "volume";
  e.action = std::string(action);
  e.id = name;
  e.name = name;
  e.attributes["driver"] = "local";
  journal->Append(e).IgnoreError();
}

crate::v1::Event ToProto(const engine::Event& e) {
  crate::v1::Event out;
  out.set_type(e.type);
  out.set_action(e.action);
  out.set_id(e.id);
  out.set_name(e.name);
  out.set_time_unix_nanos(absl::ToUnixNanos(e.time));
  for (const auto& [k, v] : e.attributes) (*out.mutable_attributes())[k] = v;
  return out;
}

}  // namespace crate::server
