// System.Events: the journal's events within since/until that match the
// filters, kept ones first (with since), then live ones as the engine
// journals them. While the stream is open the containers' exit files are
// watched, so that a die is told when the shim writes it.
#ifndef CRATE_API_SERVER_EVENTS_STREAM_H_
#define CRATE_API_SERVER_EVENTS_STREAM_H_

#include <grpcpp/grpcpp.h>

#include "api/engine/engine.h"
#include "api/proto/crate/v1/system.grpc.pb.h"

namespace crate::server {

grpc::Status StreamEvents(engine::Engine& engine, grpc::ServerContext* context,
                          const crate::v1::EventsRequest& request,
                          grpc::ServerWriter<crate::v1::Event>* writer);

}  // namespace crate::server

#endif  // CRATE_API_SERVER_EVENTS_STREAM_H_
