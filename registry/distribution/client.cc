#include "registry/distribution/client.h"

#include <curl/curl.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "registry/reference/digest.h"
#include "runtime/base/errno_status.h"
#include "runtime/base/file_util.h"
#include "runtime/base/status_macros.h"

namespace crate::registry {

const char* const kManifestMediaTypes[4] = {
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.docker.distribution.manifest.v2+json",
};

namespace {

constexpr size_t kMaxErrorBody = 64 << 10;

bool IsLoopback(absl::string_view host) {
  // host may carry a port: "localhost:5000", "[::1]:5000".
  if (absl::StartsWith(host, "[::1]")) return true;
  absl::string_view name = host.substr(0, host.rfind(':'));
  if (host.find(':') == absl::string_view::npos) name = host;
  return name == "localhost" || absl::StartsWith(name, "127.");
}

std::string UrlEscape(absl::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (absl::ascii_isalnum(c) || c == '-' || c == '_' || c == '.' ||
        c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      absl::StrAppend(&out, "%", absl::Hex(c, absl::kZeroPad2));
    }
  }
  return out;
}

bool ValidDigest(absl::string_view d) {
  if (!absl::ConsumePrefix(&d, "sha256:") || d.size() != 64) return false;
  return std::all_of(d.begin(), d.end(), [](char c) {
    return absl::ascii_isdigit(c) || (c >= 'a' && c <= 'f');
  });
}

using Headers = std::map<std::string, std::string>;  // Lower-case names.

struct Request {
  std::string method = "GET";
  std::string url;  // A path ("/v2/...") on the registry, or absolute.
  std::vector<std::string> headers;
  absl::optional<absl::string_view> body;
  // Or a body read from a file, for blobs too large to hold in memory.
  int body_fd = -1;
  uint64_t body_size = 0;
  size_t max_body = kMaxErrorBody;
  // Receives 2xx bodies when set; other bodies are kept in Response::body.
  std::function<absl::Status(long code, const Headers& headers,
                             absl::string_view data)>
      stream;
};

struct Response {
  long code = 0;
  Headers headers;
  std::string body;
  CURLcode curl = CURLE_OK;
  std::string curl_error;
  absl::Status callback_error;
  std::string url;

  std::string Header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
};

struct Tls {
  // False only for hosts listed insecure whose certificate did not verify.
  bool verify = true;
  std::string ca_blob;  // System CAs plus the host's own; empty: defaults.
  std::string client_cert;
  std::string client_key;
};

struct TransferContext {
  CURL* handle;
  Request* request;
  Response* response;
  uint64_t read_offset = 0;
};

size_t OnHeader(char* data, size_t size, size_t n, void* user) {
  auto* ctx = static_cast<TransferContext*>(user);
  absl::string_view line(data, size * n);
  if (absl::StartsWith(line, "HTTP/")) {
    // A new response (after a redirect or 100-continue).
    ctx->response->headers.clear();
    ctx->response->body.clear();
    return size * n;
  }
  size_t colon = line.find(':');
  if (colon != absl::string_view::npos) {
    std::string name = absl::AsciiStrToLower(line.substr(0, colon));
    ctx->response->headers[name] =
        std::string(absl::StripAsciiWhitespace(line.substr(colon + 1)));
  }
  return size * n;
}

size_t OnRead(char* buf, size_t size, size_t n, void* user) {
  auto* ctx = static_cast<TransferContext*>(user);
  uint64_t left = ctx->request->body_size - ctx->read_offset;
  size_t want = static_cast<size_t>(std::min<uint64_t>(size * n, left));
  if (want == 0) return 0;
  ssize_t got;
  do {
    got = pread(ctx->request->body_fd, buf, want,
                static_cast<off_t>(ctx->read_offset));
  } while (got < 0 && errno == EINTR);
  if (got <= 0) {
    ctx->response->callback_error =
        got < 0 ? ErrnoStatus("read the upload body")
                : absl::DataLossError("the upload body ended early");
    return CURL_READFUNC_ABORT;
  }
  ctx->read_offset += static_cast<uint64_t>(got);
  return static_cast<size_t>(got);
}

int OnSeek(void* user, curl_off_t offset, int origin) {
  auto* ctx = static_cast<TransferContext*>(user);
  if (origin != SEEK_SET || offset < 0) return CURL_SEEKFUNC_CANTSEEK;
  ctx->read_offset = static_cast<uint64_t>(offset);
  return CURL_SEEKFUNC_OK;
}

size_t OnBody(char* data, size_t size, size_t n, void* user) {
  auto* ctx = static_cast<TransferContext*>(user);
  long code = 0;
  curl_easy_getinfo(ctx->handle, CURLINFO_RESPONSE_CODE, &code);
  absl::string_view chunk(data, size * n);
  if (code >= 200 && code < 300 && ctx->request->stream) {
    absl::Status s = ctx->request->stream(code, ctx->response->headers, chunk);
    if (!s.ok()) {
      ctx->response->callback_error = s;
      return 0;
    }
    return size * n;
  }
  if (ctx->response->body.size() + chunk.size() > ctx->request->max_body) {
    if (code >= 200 && code < 300) {
      ctx->response->callback_error = absl::ResourceExhaustedError(absl::StrCat(
          "response larger than ", ctx->request->max_body, " bytes"));
      return 0;
    }
    return size * n;  // Error bodies are only for messages: cut them.
  }
  ctx->response->body.append(chunk.data(), chunk.size());
  return size * n;
}

bool Transient(const Response& r) {
  if (!r.callback_error.ok()) return false;
  switch (r.curl) {
    case CURLE_OK:
      break;
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_PARTIAL_FILE:
    case CURLE_GOT_NOTHING:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_SSL_CONNECT_ERROR:
      return true;
    default:
      return false;
  }
  return r.code == 408 || r.code == 429 || (r.code >= 500 && r.code != 501);
}

absl::StatusCode CodeForHttp(long code) {
  switch (code) {
    case 401:
      return absl::StatusCode::kUnauthenticated;
    case 403:
      return absl::StatusCode::kPermissionDenied;
    case 404:
      return absl::StatusCode::kNotFound;
    case 408:
      return absl::StatusCode::kDeadlineExceeded;
    case 409:
      return absl::StatusCode::kAlreadyExists;
    case 416:
      return absl::StatusCode::kOutOfRange;
    case 429:
      return absl::StatusCode::kResourceExhausted;
    default:
      if (code >= 500) return absl::StatusCode::kUnavailable;
      return absl::StatusCode::kFailedPrecondition;
  }
}

// "GET https://h/v2/x: 404: MANIFEST_UNKNOWN: manifest unknown".
absl::Status ResponseError(absl::string_view what, const Request& req,
                           const Response& r) {
  std::string prefix = absl::StrCat(what, ": ", req.method, " ", r.url, ": ");
  if (!r.callback_error.ok()) {
    return absl::Status(r.callback_error.code(),
                        absl::StrCat(prefix, r.callback_error.message()));
  }
  if (r.curl != CURLE_OK) {
    return absl::UnavailableError(
        absl::StrCat(prefix, r.curl_error.empty() ? curl_easy_strerror(r.curl)
                                                  : r.curl_error));
  }
  std::string detail;
  nlohmann::json j = nlohmann::json::parse(r.body, nullptr, false);
  if (j.is_object() && j.contains("errors") && j["errors"].is_array()) {
    for (const auto& e : j["errors"]) {
      if (!e.is_object()) continue;
      absl::StrAppend(&detail, detail.empty() ? "" : "; ",
                      e.value("code", std::string()), ": ",
                      e.value("message", std::string()));
    }
  }
  if (detail.empty()) {
    detail = std::string(
        absl::StripAsciiWhitespace(absl::string_view(r.body).substr(0, 200)));
  }
  return absl::Status(CodeForHttp(r.code),
                      absl::StrCat(prefix, "HTTP ", r.code,
                                   detail.empty() ? "" : ": ", detail));
}

std::string MediaTypeOf(absl::string_view content_type) {
  absl::string_view t = content_type.substr(0, content_type.find(';'));
  return absl::AsciiStrToLower(absl::StripAsciiWhitespace(t));
}

}  // namespace

Endpoint ResolveEndpoint(const std::string& host,
                         const RegistryConfig& config) {
  Endpoint e;
  e.host = host;
  e.api_host = (host == "docker.io" || host == "index.docker.io")
                   ? "registry-1.docker.io"
                   : host;
  e.tls_unverified = std::find(config.insecure_registries.begin(),
                               config.insecure_registries.end(),
                               host) != config.insecure_registries.end();
  e.allow_http = IsLoopback(host) || e.tls_unverified;
  return e;
}

class RegistryClient::Impl {
 public:
  explicit Impl(RegistryConfig config, CredentialStore creds)
      : config_(std::move(config)), creds_(std::move(creds)) {
    share_ = curl_share_init();
    curl_share_setopt(share_, CURLSHOPT_LOCKFUNC, &Impl::Lock);
    curl_share_setopt(share_, CURLSHOPT_UNLOCKFUNC, &Impl::Unlock);
    curl_share_setopt(share_, CURLSHOPT_USERDATA, this);
    curl_share_setopt(share_, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    curl_share_setopt(share_, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
    curl_share_setopt(share_, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
  }
  ~Impl() { curl_share_cleanup(share_); }

  absl::StatusOr<FetchedManifest> GetManifest(const std::string& host,
                                              const std::string& repo,
                                              const std::string& reference);
  absl::Status FetchBlob(const std::string& host, const std::string& repo,
                         const std::string& digest, int64_t size,
                         BlobSink* sink);
  absl::StatusOr<ManifestInfo> HeadManifest(const std::string& host,
                                            const std::string& repo,
                                            const std::string& reference);
  absl::StatusOr<bool> BlobExists(const std::string& host,
                                  const std::string& repo,
                                  const std::string& digest);
  absl::Status FetchBlobOnce(const std::string& host, const std::string& repo,
                             const std::string& digest, int64_t size,
                             BlobSink* sink);
  struct Body {
    absl::string_view data;
    int fd = -1;  // Instead of data when >= 0.
    uint64_t size = 0;
  };
  absl::Status UploadBlob(const std::string& host, const std::string& repo,
                          const std::string& digest, const Body& body,
                          const std::string& mount_from);
  absl::StatusOr<std::string> PutManifest(const std::string& host,
                                          const std::string& repo,
                                          const std::string& reference,
                                          absl::string_view bytes,
                                          const std::string& media_type);
  absl::Status CheckLogin(const std::string& host, const Credentials& creds);

  const RegistryConfig& config() const { return config_; }
  Stats stats() const {
    absl::MutexLock l(&mu_);
    return stats_;
  }

 private:
  struct HostState {
    bool probed = false;
    std::string base_url;  // "https://registry-1.docker.io"
    absl::optional<AuthChallenge> challenge;
    Tls tls;
  };
  struct Token {
    std::string value;
    absl::Time expiry;
  };

  static void Lock(CURL*, curl_lock_data data, curl_lock_access, void* user) {
    static_cast<Impl*>(user)->share_locks_[data].lock();
  }
  static void Unlock(CURL*, curl_lock_data data, void* user) {
    static_cast<Impl*>(user)->share_locks_[data].unlock();
  }

  Tls LoadTls(const std::string& host);
  Response Perform(const Tls& tls, Request& req);
  absl::StatusOr<HostState> EnsureHost(const std::string& host);
  absl::StatusOr<std::string> AuthHeader(const std::string& host,
                                         const HostState& hs,
                                         const std::vector<std::string>& scopes,
                                         bool refresh,
                                         const Credentials* override_creds);
  absl::StatusOr<std::string> FetchToken(
      const std::string& host, const AuthChallenge& challenge,
      const std::vector<std::string>& scopes,
      const absl::optional<Credentials>& creds);
  // One exchange, answering a 401 challenge once.
  absl::StatusOr<Response> Attempt(const std::string& host,
                                   const std::vector<std::string>& scopes,
                                   Request& req);
  // Attempt() with retries of transient failures.
  absl::StatusOr<Response> Do(const std::string& host,
                              const std::vector<std::string>& scopes,
                              Request& req);
  void Backoff(int attempt);

  RegistryConfig config_;
  CredentialStore creds_;
  CURLSH* share_;
  std::mutex share_locks_[CURL_LOCK_DATA_LAST];

  absl::Mutex probe_mu_ ABSL_ACQUIRED_BEFORE(mu_);
  mutable absl::Mutex mu_;
  std::map<std::string, HostState> hosts_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, Token> tokens_ ABSL_GUARDED_BY(mu_);
  Stats stats_ ABSL_GUARDED_BY(mu_);
};

Tls RegistryClient::Impl::LoadTls(const std::string& host) {
  Tls tls;
  std::string dir = JoinPath(config_.certs_dir, host);
  absl::StatusOr<std::vector<std::string>> names = ListDir(dir);
  if (!names.ok()) return tls;
  std::sort(names->begin(), names->end());
  std::string extra;
  for (const std::string& n : *names) {
    std::string path = JoinPath(dir, n);
    if (absl::EndsWith(n, ".crt")) {
      absl::StatusOr<std::string> pem = ReadFile(path);
      if (pem.ok()) absl::StrAppend(&extra, *pem, "\n");
    } else if (absl::EndsWith(n, ".cert")) {
      std::string key = JoinPath(dir, n.substr(0, n.size() - 5) + ".key");
      if (PathExists(key) && tls.client_cert.empty()) {
        tls.client_cert = path;
        tls.client_key = key;
      }
    }
  }
  if (!extra.empty()) {
    absl::StatusOr<std::string> system = ReadFile(config_.system_ca_file);
    tls.ca_blob = absl::StrCat(system.ok() ? *system : "", "\n", extra);
  }
  return tls;
}

Response RegistryClient::Impl::Perform(const Tls& tls, Request& req) {
  Response r;
  r.url = req.url;
  CURL* h = curl_easy_init();
  if (h == nullptr) {
    r.curl = CURLE_OUT_OF_MEMORY;
    return r;
  }
  TransferContext ctx{h, &req, &r};
  char errbuf[CURL_ERROR_SIZE] = {};
  curl_easy_setopt(h, CURLOPT_SHARE, share_);
  curl_easy_setopt(h, CURLOPT_URL, req.url.c_str());
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_USERAGENT, config_.product.c_str());
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(
      h, CURLOPT_CONNECTTIMEOUT_MS,
      static_cast<long>(absl::ToInt64Milliseconds(config_.connect_timeout)));
  curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(
      h, CURLOPT_LOW_SPEED_TIME,
      static_cast<long>(absl::ToInt64Seconds(config_.stall_timeout)));
  curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, &OnHeader);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &ctx);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &OnBody);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &ctx);
  if (req.method == "GET" || req.method == "HEAD") {
    // Blob downloads are redirected to object storage; curl drops our
    // Authorization header when the host changes.
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(h, CURLOPT_MAXREDIRS, 10L);
  }
  if (req.method == "HEAD") {
    curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
  } else if (req.body_fd >= 0) {
    curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, req.method.c_str());
    curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE,
                     static_cast<curl_off_t>(req.body_size));
    curl_easy_setopt(h, CURLOPT_READFUNCTION, &OnRead);
    curl_easy_setopt(h, CURLOPT_READDATA, &ctx);
    curl_easy_setopt(h, CURLOPT_SEEKFUNCTION, &OnSeek);
    curl_easy_setopt(h, CURLOPT_SEEKDATA, &ctx);
  } else if (req.method != "GET") {
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, req.method.c_str());
    absl::string_view body = req.body.value_or(absl::string_view());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(body.size()));
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body.data() ? body.data() : "");
  }
  if (!tls.verify) {
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  if (!tls.ca_blob.empty()) {
    struct curl_blob blob;
    blob.data = const_cast<char*>(tls.ca_blob.data());
    blob.len = tls.ca_blob.size();
    blob.flags = CURL_BLOB_COPY;
    curl_easy_setopt(h, CURLOPT_CAINFO_BLOB, &blob);
  }
  if (!tls.client_cert.empty()) {
    curl_easy_setopt(h, CURLOPT_SSLCERT, tls.client_cert.c_str());
    curl_easy_setopt(h, CURLOPT_SSLKEY, tls.client_key.c_str());
  }
  struct curl_slist* headers = nullptr;
  // A body on POST/PUT must not wait for "100 Continue".
  headers = curl_slist_append(headers, "Expect:");
  for (const std::string& line : req.headers) {
    headers = curl_slist_append(headers, line.c_str());
  }
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);

  r.curl = curl_easy_perform(h);
  if (r.curl != CURLE_OK) r.curl_error = errbuf[0] ? errbuf : "";
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r.code);
  long connects = 0;
  curl_easy_getinfo(h, CURLINFO_NUM_CONNECTS, &connects);
  char* effective = nullptr;
  if (curl_easy_getinfo(h, CURLINFO_EFFECTIVE_URL, &effective) == CURLE_OK &&
      effective != nullptr) {
    r.url = effective;
  }
  curl_slist_free_all(headers);
  curl_easy_cleanup(h);
  {
    absl::MutexLock l(&mu_);
    ++stats_.requests;
    stats_.connections += static_cast<uint64_t>(connects);
  }
  return r;
}

absl::StatusOr<RegistryClient::Impl::HostState>
RegistryClient::Impl::EnsureHost(const std::string& host) {
  {
    absl::MutexLock l(&mu_);
    auto it = hosts_.find(host);
    if (it != hosts_.end() && it->second.probed) return it->second;
  }
  // Parallel first requests to a host probe it once.
  absl::MutexLock probe(&probe_mu_);
  {
    absl::MutexLock l(&mu_);
    auto it = hosts_.find(host);
    if (it != hosts_.end() && it->second.probed) return it->second;
  }
  Endpoint ep = ResolveEndpoint(host, config_);
  HostState hs;
  hs.tls = LoadTls(ep.host);
  if (hs.tls.ca_blob.empty() && hs.tls.client_cert.empty() &&
      ep.api_host != ep.host) {
    hs.tls = LoadTls(ep.api_host);
  }
  // Like docker: ping /v2/ to learn the scheme and the auth challenge.
  Request ping;
  ping.url = absl::StrCat("https://", ep.api_host, "/v2/");
  Response r = Perform(hs.tls, ping);
  if (r.curl == CURLE_PEER_FAILED_VERIFICATION && ep.tls_unverified) {
    // Listed insecure: like docker, accept a certificate that does not
    // verify rather than fall back to plain HTTP the host does not speak.
    hs.tls.verify = false;
    r = Perform(hs.tls, ping);
  }
  if (r.curl == CURLE_PEER_FAILED_VERIFICATION) {
    // Not transient: retrying cannot make the certificate trusted.
    return absl::FailedPreconditionError(
        absl::StrCat("registry ", host, ": TLS certificate not trusted (",
                     r.curl_error, "); put its CA in ",
                     JoinPath(JoinPath(config_.certs_dir, host), "ca.crt")));
  }
  if (r.curl != CURLE_OK && ep.allow_http) {
    Request plain;
    plain.url = absl::StrCat("http://", ep.api_host, "/v2/");
    Response pr = Perform(hs.tls, plain);
    if (pr.curl == CURLE_OK) {
      r = std::move(pr);
      ping = std::move(plain);
    }
  }
  if (r.curl != CURLE_OK) {
    absl::Status s = ResponseError("registry " + host, ping, r);
    if (!ep.allow_http &&
        (r.curl == CURLE_SSL_CONNECT_ERROR || r.curl == CURLE_RECV_ERROR)) {
      // The usual cause: a plain-HTTP registry.
      return Annotate(s, absl::StrCat("if ", host,
                                      " serves plain HTTP, list it in the "
                                      "insecure registries"));
    }
    return s;
  }
  hs.base_url = ping.url.substr(0, ping.url.size() - strlen("/v2/"));
  if (r.code == 401) {
    absl::StatusOr<std::vector<AuthChallenge>> cs =
        ParseWwwAuthenticate(r.Header("www-authenticate"));
    if (cs.ok()) {
      for (const AuthChallenge& c : *cs) {
        if (c.scheme == "bearer" || c.scheme == "basic") {
          hs.challenge = c;
          break;
        }
      }
    }
  }
  hs.probed = true;
  absl::MutexLock l(&mu_);
  hosts_[host] = hs;
  return hs;
}

absl::StatusOr<std::string> RegistryClient::Impl::FetchToken(
    const std::string& host, const AuthChallenge& c,
    const std::vector<std::string>& scopes,
    const absl::optional<Credentials>& creds) {
  std::string realm = c.Param("realm");
  if (!absl::StartsWith(realm, "https://") &&
      !absl::StartsWith(realm, "http://")) {
    return absl::FailedPreconditionError(absl::StrCat(
        "registry ", host, ": token realm \"", realm, "\" is not an HTTP URL"));
  }
  Request req;
  req.url = realm;
  std::vector<std::string> query;
  if (!c.Param("service").empty()) {
    query.push_back("service=" + UrlEscape(c.Param("service")));
  }
  for (const std::string& s : scopes) query.push_back("scope=" + UrlEscape(s));
  if (!query.empty()) {
    absl::StrAppend(&req.url, realm.find('?') == std::string::npos ? "?" : "&",
                    absl::StrJoin(query, "&"));
  }
  std::string form;
  if (creds.has_value() && !creds->identity_token.empty()) {
    // An identity token is an OAuth2 refresh token: docker trades it for an
    // access token with a form POST to the realm.
    req.method = "POST";
    req.url = realm;
    form = absl::StrCat("grant_type=refresh_token&client_id=crate",
                        "&service=", UrlEscape(c.Param("service")),
                        "&scope=", UrlEscape(absl::StrJoin(scopes, " ")),
                        "&refresh_token=", UrlEscape(creds->identity_token));
    req.body = form;
    req.headers.push_back("Content-Type: application/x-www-form-urlencoded");
  } else if (creds.has_value() && !creds->username.empty()) {
    req.headers.push_back(
        "Authorization: Basic " +
        absl::Base64Escape(creds->username + ":" + creds->password));
  }
  absl::string_view after_scheme(realm);
  absl::ConsumePrefix(&after_scheme, "https://");
  absl::ConsumePrefix(&after_scheme, "http://");
  std::string realm_host(after_scheme.substr(0, after_scheme.find('/')));
  Response r = Perform(LoadTls(realm_host), req);
  {
    absl::MutexLock l(&mu_);
    ++stats_.token_fetches;
  }
  std::string what = absl::StrCat("registry ", host, ": token for \"",
                                  absl::StrJoin(scopes, " "), "\"");
  if (r.curl != CURLE_OK || r.code != 200) {
    absl::Status s = ResponseError(what, req, r);
    if (r.code == 401 || r.code == 403) {
      return absl::UnauthenticatedError(absl::StrCat(
          s.message(), creds.has_value() ? " (credentials refused)"
                                         : " (no credentials; log in first)"));
    }
    return s;
  }
  nlohmann::json j = nlohmann::json::parse(r.body, nullptr, false);
  std::string token;
  if (j.is_object()) {
    token = j.value("token", std::string());
    if (token.empty()) token = j.value("access_token", std::string());
  }
  if (token.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat(what, ": the answer of ", realm, " holds no token"));
  }
  int64_t expires_in = 60;
  if (j.contains("expires_in") && j["expires_in"].is_number_integer()) {
    expires_in = std::max<int64_t>(j["expires_in"].get<int64_t>(), 10);
  }
  absl::MutexLock l(&mu_);
  tokens_[absl::StrCat(host, " ", absl::StrJoin(scopes, " "))] =
      Token{token, absl::Now() + absl::Seconds(expires_in - 5)};
  return token;
}

absl::StatusOr<std::string> RegistryClient::Impl::AuthHeader(
    const std::string& host, const HostState& hs,
    const std::vector<std::string>& scopes, bool refresh,
    const Credentials* override_creds) {
  if (!hs.challenge.has_value()) return std::string();
  absl::optional<Credentials> creds =
      override_creds ? absl::optional<Credentials>(*override_creds)
                     : creds_.Lookup(host);
  if (hs.challenge->scheme == "basic") {
    if (!creds.has_value()) return std::string();
    return "Authorization: Basic " +
           absl::Base64Escape(creds->username + ":" + creds->password);
  }
  std::string key = absl::StrCat(host, " ", absl::StrJoin(scopes, " "));
  if (!refresh && override_creds == nullptr) {
    absl::MutexLock l(&mu_);
    auto it = tokens_.find(key);
    if (it != tokens_.end() && it->second.expiry > absl::Now()) {
      return "Authorization: Bearer " + it->second.value;
    }
  }
  ASSIGN_OR_RETURN(std::string token,
                   FetchToken(host, *hs.challenge, scopes, creds));
  return "Authorization: Bearer " + token;
}

absl::StatusOr<Response> RegistryClient::Impl::Attempt(
    const std::string& host, const std::vector<std::string>& scopes,
    Request& req) {
  ASSIGN_OR_RETURN(HostState hs, EnsureHost(host));
  std::string path = req.url;
  if (absl::StartsWith(path, "/")) req.url = hs.base_url + path;
  std::vector<std::string> base_headers = req.headers;
  ASSIGN_OR_RETURN(std::string auth,
                   AuthHeader(host, hs, scopes, false, nullptr));
  if (!auth.empty()) req.headers.push_back(auth);
  Response r = Perform(hs.tls, req);
  if (r.code == 401 && r.callback_error.ok()) {
    absl::StatusOr<std::vector<AuthChallenge>> cs =
        ParseWwwAuthenticate(r.Header("www-authenticate"));
    if (cs.ok()) {
      for (const AuthChallenge& c : *cs) {
        if (c.scheme != "bearer" && c.scheme != "basic") continue;
        hs.challenge = c;
        {
          absl::MutexLock l(&mu_);
          hosts_[host].challenge = c;
        }
        std::vector<std::string> want = scopes;
        // A registry may ask for a scope of its own (e.g. more actions).
        if (!c.Param("scope").empty() &&
            std::find(want.begin(), want.end(), c.Param("scope")) ==
                want.end()) {
          want.push_back(c.Param("scope"));
        }
        ASSIGN_OR_RETURN(auth, AuthHeader(host, hs, want, true, nullptr));
        if (auth.empty()) break;
        req.headers = base_headers;
        req.headers.push_back(auth);
        r = Perform(hs.tls, req);
        break;
      }
    }
  }
  req.url = path;
  req.headers = base_headers;
  return r;
}

void RegistryClient::Impl::Backoff(int attempt) {
  absl::Duration d = config_.initial_backoff;
  for (int i = 1; i < attempt && d < config_.max_backoff; ++i) d *= 2;
  d = std::min(d, config_.max_backoff);
  // Jitter so that parallel downloads do not retry in lockstep.
  thread_local std::mt19937 rng(std::random_device{}());
  std::uniform_real_distribution<double> jitter(0.5, 1.0);
  absl::SleepFor(d * jitter(rng));
  absl::MutexLock l(&mu_);
  ++stats_.retries;
}

absl::StatusOr<Response> RegistryClient::Impl::Do(
    const std::string& host, const std::vector<std::string>& scopes,
    Request& req) {
  for (int attempt = 1;; ++attempt) {
    absl::StatusOr<Response> r = Attempt(host, scopes, req);
    bool last = attempt >= config_.max_attempts;
    if (!r.ok()) {
      if (r.status().code() != absl::StatusCode::kUnavailable || last) return r;
    } else if (!Transient(*r) || last) {
      return r;
    }
    Backoff(attempt);
  }
}

absl::StatusOr<FetchedManifest> RegistryClient::Impl::GetManifest(
    const std::string& host, const std::string& repo,
    const std::string& reference) {
  std::string what = absl::StrCat(
      "manifest ", host, "/", repo,
      absl::StartsWith(reference, "sha256:") ? "@" : ":", reference);
  Request req;
  req.url = absl::StrCat("/v2/", repo, "/manifests/", reference);
  req.headers.push_back(absl::StrCat(
      "Accept: ", absl::StrJoin(std::begin(kManifestMediaTypes),
                                std::end(kManifestMediaTypes), ", ")));
  req.max_body = config_.max_manifest_bytes;
  ASSIGN_OR_RETURN(Response r, Do(host, {"repository:" + repo + ":pull"}, req));
  if (r.code != 200 || r.curl != CURLE_OK || !r.callback_error.ok()) {
    return ResponseError(what, req, r);
  }
  FetchedManifest m;
  m.bytes = std::move(r.body);
  m.digest = Digest::Sha256Of(m.bytes).ToString();
  std::string claimed = r.Header("docker-content-digest");
  if (absl::StartsWith(claimed, "sha256:") && claimed != m.digest) {
    return absl::DataLossError(
        absl::StrCat(what, ": the registry says its digest is ", claimed,
                     " but the bytes hash to ", m.digest));
  }
  if (absl::StartsWith(reference, "sha256:") && reference != m.digest) {
    return absl::DataLossError(
        absl::StrCat(what, ": the bytes received hash to ", m.digest));
  }
  m.media_type = MediaTypeOf(r.Header("content-type"));
  nlohmann::json j = nlohmann::json::parse(m.bytes, nullptr, false);
  if (!j.is_object()) {
    return absl::DataLossError(absl::StrCat(what, ": not a JSON object"));
  }
  bool schema1 =
      absl::StartsWith(m.media_type,
                       "application/vnd.docker.distribution.manifest.v1") ||
      (j.contains("schemaVersion") && j["schemaVersion"] == 1);
  if (schema1) {
    return absl::FailedPreconditionError(absl::StrCat(
        what,
        ": Docker schema 1 manifests are not supported; push the image "
        "again with a current docker or skopeo"));
  }
  if (m.media_type.empty() || m.media_type == "application/json" ||
      m.media_type == "text/plain") {
    m.media_type = j.value("mediaType", std::string());
  }
  return m;
}

absl::StatusOr<ManifestInfo> RegistryClient::Impl::HeadManifest(
    const std::string& host, const std::string& repo,
    const std::string& reference) {
  std::string what = absl::StrCat(
      "manifest ", host, "/", repo,
      absl::StartsWith(reference, "sha256:") ? "@" : ":", reference);
  Request req;
  req.method = "HEAD";
  req.url = absl::StrCat("/v2/", repo, "/manifests/", reference);
  req.headers.push_back(absl::StrCat(
      "Accept: ", absl::StrJoin(std::begin(kManifestMediaTypes),
                                std::end(kManifestMediaTypes), ", ")));
  ASSIGN_OR_RETURN(Response r, Do(host, {"repository:" + repo + ":pull"}, req));
  if (r.code != 200 || r.curl != CURLE_OK) return ResponseError(what, req, r);
  ManifestInfo info;
  info.digest = r.Header("docker-content-digest");
  if (!ValidDigest(info.digest)) {
    return absl::FailedPreconditionError(absl::StrCat(
        what, ": the registry sent no sha256 Docker-Content-Digest"));
  }
  if (absl::StartsWith(reference, "sha256:") && reference != info.digest) {
    return absl::DataLossError(
        absl::StrCat(what, ": the registry says its digest is ", info.digest));
  }
  info.media_type = MediaTypeOf(r.Header("content-type"));
  int64_t size;
  if (absl::SimpleAtoi(r.Header("content-length"), &size)) info.size = size;
  return info;
}

absl::Status RegistryClient::Impl::FetchBlob(const std::string& host,
                                             const std::string& repo,
                                             const std::string& digest,
                                             int64_t size, BlobSink* sink) {
  absl::Status s = FetchBlobOnce(host, repo, digest, size, sink);
  // Half a blob is of no use to a sink that cannot resume later.
  if (!s.ok() && !sink->VerifiesDigest() && sink->Offset() > 0) {
    sink->Reset().IgnoreError();
  }
  return s;
}

absl::Status RegistryClient::Impl::FetchBlobOnce(const std::string& host,
                                                 const std::string& repo,
                                                 const std::string& digest,
                                                 int64_t size, BlobSink* sink) {
  std::string what = absl::StrCat("blob ", digest, " of ", host, "/", repo);
  if (!ValidDigest(digest)) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": not a sha256 digest"));
  }
  const bool own_hash = !sink->VerifiesDigest();
  if (own_hash && sink->Offset() > 0) RETURN_IF_ERROR(sink->Reset());
  if (size >= 0 && sink->Offset() > static_cast<uint64_t>(size)) {
    RETURN_IF_ERROR(sink->Reset());
  }
  auto hasher = std::make_unique<Digester>(Digester::Sha256());
  for (int attempt = 1;; ++attempt) {
    uint64_t offset = sink->Offset();
    Request req;
    req.url = absl::StrCat("/v2/", repo, "/blobs/", digest);
    if (offset > 0) {
      req.headers.push_back(absl::StrCat("Range: bytes=", offset, "-"));
      absl::MutexLock l(&mu_);
      ++stats_.resumes;
    }
    bool first = true;
    req.stream = [&](long code, const Headers& headers,
                     absl::string_view data) -> absl::Status {
      if (first) {
        first = false;
        if (code == 206) {
          // "bytes <first>-<last>/<total>": it must go on where we are.
          auto it = headers.find("content-range");
          uint64_t start = 0;
          absl::string_view range =
              it == headers.end() ? absl::string_view() : it->second;
          if (!absl::ConsumePrefix(&range, "bytes ") ||
              !absl::SimpleAtoi(range.substr(0, range.find('-')), &start) ||
              start != sink->Offset()) {
            return absl::DataLossError(
                absl::StrCat("asked for bytes from ", sink->Offset(),
                             ", got Content-Range \"",
                             it == headers.end() ? "" : it->second, "\""));
          }
        }
        if (code != 206 && sink->Offset() > 0) {
          // The server ignored Range: start over.
          RETURN_IF_ERROR(sink->Reset());
          hasher = std::make_unique<Digester>(Digester::Sha256());
        }
      }
      if (size >= 0 &&
          sink->Offset() + data.size() > static_cast<uint64_t>(size)) {
        return absl::DataLossError(
            absl::StrCat("more than the ", size, " bytes expected"));
      }
      if (own_hash) hasher->Update(data);
      {
        absl::MutexLock l(&mu_);
        stats_.blob_bytes += data.size();
      }
      return sink->Write(data);
    };
    absl::StatusOr<Response> rr =
        Attempt(host, {"repository:" + repo + ":pull"}, req);
    bool last = attempt >= config_.max_attempts;
    if (!rr.ok()) {
      if (rr.status().code() != absl::StatusCode::kUnavailable || last) {
        return Annotate(rr.status(), what);
      }
      Backoff(attempt);
      continue;
    }
    Response& r = *rr;
    if (r.curl == CURLE_OK && r.callback_error.ok() &&
        (r.code == 200 || r.code == 206)) {
      break;
    }
    if (r.code == 416 && size >= 0 && offset == static_cast<uint64_t>(size)) {
      break;  // Everything had arrived before the connection broke.
    }
    if (!Transient(r) || last) return ResponseError(what, req, r);
    Backoff(attempt);
  }
  std::string got = own_hash ? hasher->Finish().ToString() : digest;
  if ((size >= 0 && sink->Offset() != static_cast<uint64_t>(size)) ||
      got != digest) {
    uint64_t n = sink->Offset();
    sink->Reset().IgnoreError();
    return absl::DataLossError(absl::StrCat(
        what, ": received ", n, " bytes",
        own_hash ? absl::StrCat(" hashing to ", got) : "",
        size >= 0 ? absl::StrCat(", expected ", size, " bytes") : ""));
  }
  return absl::OkStatus();
}

absl::StatusOr<bool> RegistryClient::Impl::BlobExists(
    const std::string& host, const std::string& repo,
    const std::string& digest) {
  Request req;
  req.method = "HEAD";
  req.url = absl::StrCat("/v2/", repo, "/blobs/", digest);
  ASSIGN_OR_RETURN(Response r, Do(host, {"repository:" + repo + ":pull"}, req));
  if (r.curl == CURLE_OK && r.code == 200) return true;
  if (r.curl == CURLE_OK && r.code == 404) return false;
  return ResponseError(absl::StrCat("blob ", digest, " of ", host, "/", repo),
                       req, r);
}

absl::Status RegistryClient::Impl::UploadBlob(const std::string& host,
                                              const std::string& repo,
                                              const std::string& digest,
                                              const Body& body,
                                              const std::string& mount_from) {
  std::string what =
      absl::StrCat("upload of blob ", digest, " to ", host, "/", repo);
  if (!ValidDigest(digest) ||
      (body.fd < 0 && Digest::Sha256Of(body.data).ToString() != digest)) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": the data does not hash to the digest"));
  }
  std::vector<std::string> scopes = {"repository:" + repo + ":pull,push"};
  if (mount_from.empty()) {
    ASSIGN_OR_RETURN(bool exists, BlobExists(host, repo, digest));
    if (exists) return absl::OkStatus();
  } else {
    scopes.push_back("repository:" + mount_from + ":pull");
  }
  // An upload does not survive a failed PUT: a retry starts over
  // with a new POST.
  for (int attempt = 1;; ++attempt) {
    bool last = attempt >= config_.max_attempts;
    Request post;
    post.method = "POST";
    post.url = absl::StrCat("/v2/", repo, "/blobs/uploads/");
    if (!mount_from.empty()) {
      absl::StrAppend(&post.url, "?mount=", UrlEscape(digest),
                      "&from=", UrlEscape(mount_from));
    }
    absl::StatusOr<Response> r = Attempt(host, scopes, post);
    if (!r.ok()) {
      if (r.status().code() != absl::StatusCode::kUnavailable || last) {
        return Annotate(r.status(), what);
      }
      Backoff(attempt);
      continue;
    }
    if (r->curl == CURLE_OK && r->code == 201) return absl::OkStatus();
    if (r->curl != CURLE_OK || r->code != 202) {
      if (Transient(*r) && !last) {
        Backoff(attempt);
        continue;
      }
      return ResponseError(what, post, *r);
    }
    std::string location = r->Header("location");
    if (location.empty()) {
      return absl::FailedPreconditionError(
          absl::StrCat(what, ": the registry gave no upload location"));
    }
    Request put;
    put.method = "PUT";
    put.url = absl::StrCat(location,
                           location.find('?') == std::string::npos ? "?" : "&",
                           "digest=", UrlEscape(digest));
    put.headers.push_back("Content-Type: application/octet-stream");
    if (body.fd >= 0) {
      put.body_fd = body.fd;
      put.body_size = body.size;
    } else {
      put.body = body.data;
    }
    r = Attempt(host, scopes, put);
    if (!r.ok()) {
      if (r.status().code() != absl::StatusCode::kUnavailable || last) {
        return Annotate(r.status(), what);
      }
      Backoff(attempt);
      continue;
    }
    if (r->curl == CURLE_OK && r->code == 201) return absl::OkStatus();
    if (Transient(*r) && !last) {
      Backoff(attempt);
      continue;
    }
    return ResponseError(what, put, *r);
  }
}

absl::StatusOr<std::string> RegistryClient::Impl::PutManifest(
    const std::string& host, const std::string& repo,
    const std::string& reference, absl::string_view bytes,
    const std::string& media_type) {
  std::string digest = Digest::Sha256Of(bytes).ToString();
  std::string what =
      absl::StrCat("push of manifest ", host, "/", repo, ":", reference);
  Request req;
  req.method = "PUT";
  req.url = absl::StrCat("/v2/", repo, "/manifests/", reference);
  req.headers.push_back("Content-Type: " + media_type);
  req.body = bytes;
  ASSIGN_OR_RETURN(Response r,
                   Do(host, {"repository:" + repo + ":pull,push"}, req));
  if (r.curl != CURLE_OK || r.code != 201) return ResponseError(what, req, r);
  std::string claimed = r.Header("docker-content-digest");
  if (absl::StartsWith(claimed, "sha256:") && claimed != digest) {
    return absl::DataLossError(absl::StrCat(what, ": the registry stored ",
                                            claimed, ", we sent ", digest));
  }
  return digest;
}

absl::Status RegistryClient::Impl::CheckLogin(const std::string& host,
                                              const Credentials& creds) {
  ASSIGN_OR_RETURN(HostState hs, EnsureHost(host));
  if (!hs.challenge.has_value()) return absl::OkStatus();  // Open registry.
  ASSIGN_OR_RETURN(std::string auth, AuthHeader(host, hs, {}, true, &creds));
  Request req;
  req.url = hs.base_url + "/v2/";
  req.headers.push_back(auth);
  Response r = Perform(hs.tls, req);
  if (r.curl == CURLE_OK && r.code == 200) return absl::OkStatus();
  if (r.code == 401) {
    return absl::UnauthenticatedError(absl::StrCat(
        "login to ", host, ": user \"", creds.username, "\" was refused"));
  }
  return ResponseError(absl::StrCat("login to ", host), req, r);
}

RegistryClient::RegistryClient(std::unique_ptr<Impl> impl)
    : impl_(std::move(impl)) {}
RegistryClient::~RegistryClient() = default;

absl::StatusOr<std::unique_ptr<RegistryClient>> RegistryClient::Create(
    RegistryConfig config) {
  static const CURLcode init = curl_global_init(CURL_GLOBAL_DEFAULT);
  if (init != CURLE_OK) {
    return absl::InternalError(
        absl::StrCat("curl_global_init: ", curl_easy_strerror(init)));
  }
  if (config.max_attempts < 1) config.max_attempts = 1;
  if (config.parallel_downloads < 1) config.parallel_downloads = 1;
  ASSIGN_OR_RETURN(CredentialStore creds,
                   CredentialStore::Load(config.auth_files));
  return std::unique_ptr<RegistryClient>(new RegistryClient(
      std::make_unique<Impl>(std::move(config), std::move(creds))));
}

absl::StatusOr<FetchedManifest> RegistryClient::GetManifest(
    const std::string& host, const std::string& repository,
    const std::string& reference) {
  return impl_->GetManifest(host, repository, reference);
}

absl::StatusOr<ManifestInfo> RegistryClient::HeadManifest(
    const std::string& host, const std::string& repository,
    const std::string& reference) {
  return impl_->HeadManifest(host, repository, reference);
}

namespace {
std::string ManifestReference(const Reference& ref) {
  if (ref.has_digest()) return ref.digest()->ToString();
  return ref.has_tag() ? ref.tag() : std::string(kDefaultTag);
}
}  // namespace

absl::StatusOr<FetchedManifest> RegistryClient::GetManifest(
    const Reference& ref) {
  return impl_->GetManifest(ref.domain(), ref.path(), ManifestReference(ref));
}

absl::StatusOr<ManifestInfo> RegistryClient::HeadManifest(
    const Reference& ref) {
  return impl_->HeadManifest(ref.domain(), ref.path(), ManifestReference(ref));
}

absl::Status RegistryClient::FetchBlob(const std::string& host,
                                       const std::string& repository,
                                       const std::string& digest, int64_t size,
                                       BlobSink* sink) {
  return impl_->FetchBlob(host, repository, digest, size, sink);
}

std::vector<absl::Status> RegistryClient::FetchBlobs(
    const std::vector<BlobRequest>& blobs) {
  std::vector<absl::Status> out(blobs.size());
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t i = next++; i < blobs.size(); i = next++) {
      const BlobRequest& b = blobs[i];
      out[i] = impl_->FetchBlob(b.host, b.repository, b.digest, b.size, b.sink);
    }
  };
  size_t n = std::min<size_t>(
      blobs.size(), static_cast<size_t>(impl_->config().parallel_downloads));
  std::vector<std::thread> threads;
  for (size_t i = 1; i < n; ++i) threads.emplace_back(worker);
  worker();
  for (auto& t : threads) t.join();
  return out;
}

absl::StatusOr<bool> RegistryClient::BlobExists(const std::string& host,
                                                const std::string& repository,
                                                const std::string& digest) {
  return impl_->BlobExists(host, repository, digest);
}

absl::Status RegistryClient::UploadBlob(const std::string& host,
                                        const std::string& repository,
                                        const std::string& digest,
                                        absl::string_view data,
                                        const std::string& mount_from) {
  Impl::Body body;
  body.data = data;
  return impl_->UploadBlob(host, repository, digest, body, mount_from);
}

absl::Status RegistryClient::UploadBlobFromFd(const std::string& host,
                                              const std::string& repository,
                                              const std::string& digest, int fd,
                                              uint64_t size,
                                              const std::string& mount_from) {
  Impl::Body body;
  body.fd = fd;
  body.size = size;
  return impl_->UploadBlob(host, repository, digest, body, mount_from);
}

absl::StatusOr<std::string> RegistryClient::PutManifest(
    const std::string& host, const std::string& repository,
    const std::string& reference, absl::string_view bytes,
    const std::string& media_type) {
  return impl_->PutManifest(host, repository, reference, bytes, media_type);
}

absl::Status RegistryClient::CheckLogin(const std::string& host,
                                        const Credentials& credentials) {
  return impl_->CheckLogin(host, credentials);
}

RegistryClient::Stats RegistryClient::stats() const { return impl_->stats(); }

const RegistryConfig& RegistryClient::config() const { return impl_->config(); }

}  // namespace crate::registry
