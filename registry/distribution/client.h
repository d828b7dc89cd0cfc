// A client of the OCI distribution API (registry HTTP API v2) on libcurl.
//
// Connections, TLS resumption state and DNS answers are shared between all
// requests of a client (a CURLSH), so a pull of many blobs from one registry
// opens few connections. Blobs stream into a BlobSink while being hashed; a
// transfer broken halfway resumes with `Range`; transient failures (5xx,
// 429, connection errors) are retried with exponential backoff.
#ifndef CRATE_REGISTRY_DISTRIBUTION_CLIENT_H_
#define CRATE_REGISTRY_DISTRIBUTION_CLIENT_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/optional.h"
#include "registry/distribution/auth.h"
#include "registry/reference/reference.h"

namespace crate::registry {

struct RegistryConfig {
  // Hosts ("host" or "host:port") that may be reached over plain HTTP when
  // HTTPS fails, and over TLS whose certificate does not verify.
  // localhost, 127.0.0.0/8 and ::1 always may use plain HTTP.
  std::vector<std::string> insecure_registries;
  // Per-registry TLS material, docker's layout: <certs_dir>/<host:port>/
  // with *.crt (extra CAs), client.cert and client.key.
  std::string certs_dir = "/etc/crate/certs.d";
  // The system CA bundle the extra CAs are added to.
  std::string system_ca_file = "/etc/ssl/certs/ca-certificates.crt";
  // Credential files, first match wins: crate's own auth file, then
  // docker's (DockerConfigPath()). Missing files are fine.
  std::vector<std::string> auth_files;
  // Registry host -> mirrors tried in order before it (registries.toml).
  // The client itself dials what it is given; pulls choose among these.
  std::map<std::string, std::vector<std::string>> mirrors;

  int max_attempts = 5;
  absl::Duration initial_backoff = absl::Milliseconds(200);
  absl::Duration max_backoff = absl::Seconds(10);
  absl::Duration connect_timeout = absl::Seconds(30);
  // A transfer slower than 1 byte/s for this long counts as broken.
  absl::Duration stall_timeout = absl::Seconds(60);
  // Blobs fetched at once by FetchBlobs.
  int parallel_downloads = 3;
  // Largest manifest accepted (docker's limit).
  size_t max_manifest_bytes = 4 << 20;
  // How crate names itself to registries (the HTTP client identification).
  std::string product = "crate/0.1";
};

// Where a registry host is served: Docker Hub's "docker.io" is
// registry-1.docker.io; insecure hosts may fall back to plain HTTP.
struct Endpoint {
  std::string host;      // As in image names: "docker.io", "127.0.0.1:5000".
  std::string api_host;  // What is dialled: "registry-1.docker.io".
  bool allow_http = false;
  // Listed in the insecure registries: TLS certificates are not verified
  // when they fail to.
  bool tls_unverified = false;
};
Endpoint ResolveEndpoint(const std::string& host, const RegistryConfig& config);

// Media types asked for when fetching a manifest, preferred first.
extern const char* const kManifestMediaTypes[4];

// What HEAD says about a manifest, without downloading it.
struct ManifestInfo {
  std::string digest;
  std::string media_type;
  int64_t size = -1;
};

struct FetchedManifest {
  std::string bytes;
  std::string media_type;
  std::string digest;  // "sha256:<hex>" of bytes, checked.
};

// Where a blob's bytes go. The content store's ingest writer adapts to it.
class BlobSink {
 public:
  virtual ~BlobSink() = default;
  virtual absl::Status Write(absl::string_view data) = 0;
  // Bytes written so far: a broken transfer resumes from here.
  virtual uint64_t Offset() const = 0;
  // Drops what was written (the server ignored Range, or the bytes did not
  // verify).
  virtual absl::Status Reset() = 0;
  // True if the sink hashes the bytes and verifies them when it is
  // committed (the content store's ingest). FetchBlob then resumes from a
  // non-zero Offset() an earlier attempt left, keeps a partial blob after a
  // failure for a later resume, and leaves the digest check to the sink.
  virtual bool VerifiesDigest() const { return false; }
};

// A BlobSink into memory, for small blobs (configs) and tests.
class StringSink : public BlobSink {
 public:
  absl::Status Write(absl::string_view data) override {
    data_.append(data.data(), data.size());
    return absl::OkStatus();
  }
  uint64_t Offset() const override { return data_.size(); }
  absl::Status Reset() override {
    data_.clear();
    return absl::OkStatus();
  }
  const std::string& data() const { return data_; }

 private:
  std::string data_;
};

struct BlobRequest {
  std::string host;
  std::string repository;
  std::string digest;
  int64_t size = -1;  // -1: unknown.
  BlobSink* sink = nullptr;
};

class RegistryClient {
 public:
  static absl::StatusOr<std::unique_ptr<RegistryClient>> Create(
      RegistryConfig config);
  ~RegistryClient();

  // GET /v2/<repo>/manifests/<reference> (a tag or a digest). The digest is
  // that of the bytes; it must match Docker-Content-Digest when the
  // registry sends one, and the reference when it is a digest. Schema 1
  // manifests are refused.
  absl::StatusOr<FetchedManifest> GetManifest(const std::string& host,
                                              const std::string& repository,
                                              const std::string& reference);

  // The same for a parsed image reference: its domain, path, and digest if
  // it has one, else its tag ("latest" if neither).
  absl::StatusOr<FetchedManifest> GetManifest(const Reference& ref);
  absl::StatusOr<ManifestInfo> HeadManifest(const Reference& ref);

  // HEAD /v2/<repo>/manifests/<reference>: the digest a tag points to now
  // (Docker Hub does not count HEAD against its pull rate limit). Fails if
  // the registry sends no Docker-Content-Digest.
  absl::StatusOr<ManifestInfo> HeadManifest(const std::string& host,
                                            const std::string& repository,
                                            const std::string& reference);

  // Streams the blob into `sink` and verifies its size and digest. Unless
  // the sink VerifiesDigest(), it is Reset() first if it holds bytes, and
  // again on any failure. A digest or size mismatch is DataLoss.
  absl::Status FetchBlob(const std::string& host, const std::string& repository,
                         const std::string& digest, int64_t size,
                         BlobSink* sink);

  // Fetches up to config.parallel_downloads blobs at once. One status per
  // request, in order.
  std::vector<absl::Status> FetchBlobs(const std::vector<BlobRequest>& blobs);

  // HEAD /v2/<repo>/blobs/<digest>.
  absl::StatusOr<bool> BlobExists(const std::string& host,
                                  const std::string& repository,
                                  const std::string& digest);

  // Uploads a blob in one PUT, unless the registry has it already. With
  // `mount_from` (a repository on the same registry that has it) a
  // cross-repository mount is tried first.
  absl::Status UploadBlob(const std::string& host,
                          const std::string& repository,
                          const std::string& digest, absl::string_view data,
                          const std::string& mount_from = "");

  // The same, reading `size` bytes from `fd` (from offset 0, with pread)
  // instead of memory: for layers. The registry checks the digest.
  absl::Status UploadBlobFromFd(const std::string& host,
                                const std::string& repository,
                                const std::string& digest, int fd,
                                uint64_t size,
                                const std::string& mount_from = "");

  // PUT /v2/<repo>/manifests/<reference>. Returns the manifest's digest.
  absl::StatusOr<std::string> PutManifest(const std::string& host,
                                          const std::string& repository,
                                          const std::string& reference,
                                          absl::string_view bytes,
                                          const std::string& media_type);

  // Checks the credentials against the registry (GET /v2/, and a token
  // when it asks for Bearer) without storing them.
  absl::Status CheckLogin(const std::string& host,
                          const Credentials& credentials);

  // Counters for tests and diagnostics.
  struct Stats {
    uint64_t requests = 0;
    uint64_t retries = 0;
    uint64_t resumes = 0;
    uint64_t token_fetches = 0;
    uint64_t connections = 0;  // New connections opened.
    uint64_t blob_bytes = 0;   // Blob bytes received (resumes fetch fewer).
  };
  Stats stats() const;

  const RegistryConfig& config() const;

 private:
  class Impl;
  explicit RegistryClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace crate::registry

#endif  // CRATE_REGISTRY_DISTRIBUTION_CLIENT_H_
