#include "registry/distribution/ingest_sink.h"

#include "runtime/base/status_macros.h"

namespace crate::registry {

bool KeepForResume(const absl::Status& fetch) {
  return !absl::IsDataLoss(fetch) && !absl::IsOutOfRange(fetch);
}

absl::Status FetchToStore(RegistryClient& client, ContentStore& store,
                          const std::string& host,
                          const std::string& repository,
                          const std::string& digest, int64_t size,
                          const std::string& description) {
  ASSIGN_OR_RETURN(Digest d, Digest::Parse(digest));
  IngestOptions options;
  options.expected_digest = d;
  options.expected_size = size;
  options.description = description;
  absl::StatusOr<std::unique_ptr<Ingest>> ingest = store.StartIngest(options);
  if (absl::IsAlreadyExists(ingest.status())) return absl::OkStatus();
  RETURN_IF_ERROR(ingest.status());
  IngestSink sink(ingest->get());
  absl::Status fetch = client.FetchBlob(host, repository, digest, size, &sink);
  if (!fetch.ok()) {
    if (!KeepForResume(fetch)) (*ingest)->Abort();
    return fetch;
  }
  return (*ingest)->Commit().status();
}

}  // namespace crate::registry
