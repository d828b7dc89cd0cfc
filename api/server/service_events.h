// Image and volume events, journaled by the services that do the work (the
// engine journals container events itself). A service without a journal
// (tests) tells nothing.
#ifndef CRATE_API_SERVER_SERVICE_EVENTS_H_
#define CRATE_API_SERVER_SERVICE_EVENTS_H_

#include <string>

#include "absl/strings/string_view.h"
#include "api/engine/event_journal.h"
#include "api/proto/crate/v1/system.pb.h"

namespace crate::server {

// docker's image events: id is the image ID or reference, `name` the
// attribute "name" (a tag, or the reference pulled).
void TellImage(engine::EventJournal* journal, absl::string_view action,
               const std::string& id, const std::string& name);

// docker's volume events: id is the volume's name.
void TellVolume(engine::EventJournal* journal, absl::string_view action,
                const std::string& name);

// The API's form of an event.
crate::v1::Event ToProto(const engine::Event& event);

}  // namespace crate::server

#endif  // CRATE_API_SERVER_SERVICE_EVENTS_H_
