// The client against the real docker-registry (images pushed by skopeo) and
// against a misbehaving stand-in (testdata/blob_server.py) for broken
// transfers, retries and the Bearer token flow.
#include "registry/distribution/client.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "registry/distribution/test_blob_server.h"
#include "registry/reference/digest.h"
#include "registry/unpack/layer.h"
#include "runtime/base/file_util.h"
#include "runtime/base/status_matchers.h"
#include "runtime/base/unique_fd.h"
#include "tests/fixtures/fixtures.h"
#include "tests/fixtures/shared_registry_test.h"

namespace crate::registry {
namespace {

using ::crate::fixtures::LocalRegistry;
using ::crate::fixtures::PushTestImages;
using ::crate::fixtures::RegistryOptions;
using ::crate::fixtures::SharedRegistryTest;
using ::crate::fixtures::TestImage;
using ::crate::fixtures::TestImages;
using ::crate::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;

RegistryConfig FastConfig(const std::string& certs_dir) {
  RegistryConfig c;
  c.certs_dir = certs_dir;
  c.initial_backoff = absl::Milliseconds(10);
  c.max_backoff = absl::Milliseconds(50);
  return c;
}

std::unique_ptr<RegistryClient> NewClient(const RegistryConfig& c) {
  absl::StatusOr<std::unique_ptr<RegistryClient>> client =
      RegistryClient::Create(c);
  EXPECT_OK(client.status());
  return client.ok() ? std::move(*client) : nullptr;
}

// Applies a layer held in memory.
absl::StatusOr<ApplyResult> ApplyBytes(const std::string& bytes,
                                       const std::string& dir,
                                       WhiteoutMode mode) {
  size_t pos = 0;
  LayerReader reader = [&](char* buf, size_t len) -> absl::StatusOr<size_t> {
    size_t n = std::min(len, bytes.size() - pos);
    memcpy(buf, bytes.data() + pos, n);
    pos += n;
    return n;
  };
  ApplyOptions o;
  o.whiteouts = mode;
  o.apply_owners = false;  // The sandbox is not real root.
  o.create_devices = false;
  return ApplyLayer(reader, dir, o);
}

// One registry with every test image, shared by the tests of the suite.
class PlainRegistryTest : public SharedRegistryTest {
 protected:
  void SetUp() override {
    SharedRegistryTest::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_OK_AND_ASSIGN(tmp_, MakeTempDir("client"));
    client_ = NewClient(FastConfig(JoinPath(tmp_, "certs.d")));
    ASSERT_NE(client_, nullptr);
  }
  void TearDown() override { EXPECT_OK(RemoveTree(tmp_)); }

  std::string tmp_;
  std::unique_ptr<RegistryClient> client_;
};

TEST_F(PlainRegistryTest, ManifestsPushedBySkopeo) {
  for (const char* name : {"busybox", "busybox-zstd", "busybox-uncompressed",
                           "busybox-v2s2", "layers", "multiarch"}) {
    SCOPED_TRACE(name);
    const TestImage& img = Image(name);
    ASSERT_OK_AND_ASSIGN(
        FetchedManifest m,
        client_->GetManifest(registry().host(), img.repository, img.tag));
    EXPECT_EQ(m.digest, img.digest);
    EXPECT_EQ(m.media_type, img.media_type);
    ASSERT_OK_AND_ASSIGN(
        FetchedManifest by_digest,
        client_->GetManifest(registry().host(), img.repository, img.digest));
    EXPECT_EQ(by_digest.bytes, m.bytes);
    ASSERT_OK_AND_ASSIGN(
        ManifestInfo head,
        client_->HeadManifest(registry().host(), img.repository, img.tag));
    EXPECT_EQ(head.digest, img.digest);
    EXPECT_EQ(head.media_type, img.media_type);
    EXPECT_EQ(head.size, static_cast<int64_t>(m.bytes.size()));
    ASSERT_OK_AND_ASSIGN(Reference ref, Reference::ParseDockerRef(absl::StrCat(
                                            registry().host(), "/",
                                            img.repository, ":", img.tag)));
    ASSERT_OK_AND_ASSIGN(FetchedManifest by_ref, client_->GetManifest(ref));
    EXPECT_EQ(by_ref.digest, img.digest);
    ASSERT_OK_AND_ASSIGN(
        ManifestInfo head_by_digest,
        client_->HeadManifest(ref.WithDigest(*Digest::Parse(img.digest))));
    EXPECT_EQ(head_by_digest.digest, img.digest);
  }
}

TEST_F(PlainRegistryTest, UnknownManifestAndBlobAreNotFound) {
  EXPECT_THAT(client_->GetManifest(registry().host(), "crate-test/busybox",
                                   "no-such-tag"),
              StatusIs(absl::StatusCode::kNotFound,
                       AllOf(HasSubstr("crate-test/busybox:no-such-tag"),
                             HasSubstr("MANIFEST_UNKNOWN"))));
  StringSink sink;
  std::string digest = "sha256:" + std::string(64, '0');
  EXPECT_THAT(client_->FetchBlob(registry().host(), "crate-test/busybox",
                                 digest, -1, &sink),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr(digest)));
  ASSERT_OK_AND_ASSIGN(
      bool exists,
      client_->BlobExists(registry().host(), "crate-test/busybox", digest));
  EXPECT_FALSE(exists);
}

TEST_F(PlainRegistryTest, ParallelFetchReusesConnectionsAndUnpacks) {
  const TestImage& img = Image("layers");
  const nlohmann::json& desc = images().json["images"]["layers"];
  std::vector<StringSink> sinks(desc["layers"].size());
  std::vector<BlobRequest> requests;
  for (size_t i = 0; i < sinks.size(); ++i) {
    const nlohmann::json& l = desc["layers"][i];
    requests.push_back({registry().host(), img.repository,
                        l["digest"].get<std::string>(),
                        l["size"].get<int64_t>(), &sinks[i]});
  }
  // The config too, so that there are more blobs than connections.
  StringSink config;
  requests.push_back({registry().host(), img.repository,
                      desc["config"]["digest"].get<std::string>(),
                      desc["config"]["size"].get<int64_t>(), &config});
  for (const absl::Status& s : client_->FetchBlobs(requests)) ASSERT_OK(s);
  // Twice, to see connections kept alive across requests.
  for (const absl::Status& s : client_->FetchBlobs(requests)) ASSERT_OK(s);
  RegistryClient::Stats stats = client_->stats();
  EXPECT_LE(stats.connections, 3u + 2u) << stats.requests << " requests";
  EXPECT_EQ(stats.retries, 0u);

  std::string rootfs = JoinPath(tmp_, "rootfs");
  for (size_t i = 0; i < sinks.size(); ++i) {
    ASSERT_OK_AND_ASSIGN(ApplyResult r, ApplyBytes(sinks[i].data(), rootfs,
                                                   WhiteoutMode::kFlatten));
    EXPECT_EQ(r.diff_id, desc["layers"][i]["diff_id"].get<std::string>());
  }
  // The merged tree is what the fixture says a correct unpacker makes.
  for (const auto& [path, item] : desc["files"].items()) {
    SCOPED_TRACE(path);
    std::string p = JoinPath(rootfs, path);
    struct stat st;
    ASSERT_EQ(lstat(p.c_str(), &st), 0);
    std::string type = item["type"];
    if (type == "dir") {
      EXPECT_TRUE(S_ISDIR(st.st_mode));
    }
    if (type == "symlink") {
      EXPECT_TRUE(S_ISLNK(st.st_mode));
    }
    if (type == "file" || type == "hardlink") {
      ASSERT_TRUE(S_ISREG(st.st_mode));
      ASSERT_OK_AND_ASSIGN(std::string data, ReadFile(p, 64 << 20));
      EXPECT_EQ(Digest::Sha256Of(data).ToString(),
                "sha256:" + item["sha256"].get<std::string>());
    }
    if (type != "symlink") {
      EXPECT_EQ(absl::StrCat(absl::Hex(st.st_mode & 07777, absl::kZeroPad4)),
                absl::StrCat(absl::Hex(
                    std::stoi(item["mode"].get<std::string>(), nullptr, 8),
                    absl::kZeroPad4)));
    }
  }
  for (const auto& path : desc["absent"]) {
    EXPECT_FALSE(PathExists(JoinPath(rootfs, path.get<std::string>()))) << path;
  }
}

TEST_F(PlainRegistryTest, WrongSizeIsDataLoss) {
  const nlohmann::json& l = images().json["images"]["busybox"]["layers"][0];
  StringSink sink;
  EXPECT_THAT(client_->FetchBlob(registry().host(), "crate-test/busybox",
                                 l["digest"].get<std::string>(),
                                 l["size"].get<int64_t>() - 1, &sink),
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr(l["digest"].get<std::string>())));
  EXPECT_EQ(sink.Offset(), 0u);
}

TEST_F(PlainRegistryTest, PushCopiesAnImageWithCrossRepoMount) {
  const TestImage& img = Image("busybox");
  const std::string host = registry().host();
  ASSERT_OK_AND_ASSIGN(FetchedManifest m,
                       client_->GetManifest(host, img.repository, img.tag));
  nlohmann::json manifest = nlohmann::json::parse(m.bytes);
  StringSink config;
  ASSERT_OK(client_->FetchBlob(host, img.repository,
                               manifest["config"]["digest"],
                               manifest["config"]["size"], &config));
  const std::string dest = "crate-test/copy";
  for (const auto& layer : manifest["layers"]) {
    EXPECT_THAT(client_->UploadBlob(host, dest, layer["digest"], ""),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         HasSubstr("does not hash to the digest")));
    StringSink data;
    ASSERT_OK(client_->FetchBlob(host, img.repository, layer["digest"],
                                 layer["size"], &data));
    ASSERT_OK(client_->UploadBlob(host, dest, layer["digest"], data.data(),
                                  img.repository));
  }
  ASSERT_OK(client_->UploadBlob(host, dest, manifest["config"]["digest"],
                                config.data()));
  // Again: it exists now, so nothing is uploaded.
  ASSERT_OK(client_->UploadBlob(host, dest, manifest["config"]["digest"],
                                config.data()));
  ASSERT_OK_AND_ASSIGN(
      std::string digest,
      client_->PutManifest(host, dest, "v1", m.bytes, m.media_type));
  EXPECT_EQ(digest, m.digest);
  ASSERT_OK_AND_ASSIGN(FetchedManifest back,
                       client_->GetManifest(host, dest, "v1"));
  EXPECT_EQ(back.digest, m.digest);
  ASSERT_OK_AND_ASSIGN(
      bool exists,
      client_->BlobExists(host, dest, manifest["layers"][0]["digest"]));
  EXPECT_TRUE(exists);
}

TEST_F(PlainRegistryTest, UploadsLargeBlobsFromAFile) {
  std::string data(5 << 20, '\0');
  uint32_t x = 7;
  for (char& c : data) {
    x = x * 1664525 + 1013904223;
    c = static_cast<char>(x >> 24);
  }
  std::string path = JoinPath(tmp_, "blob");
  ASSERT_OK(WriteFileAtomic(path, data));
  UniqueFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  ASSERT_TRUE(fd.valid());
  std::string digest = Digest::Sha256Of(data).ToString();
  ASSERT_OK(client_->UploadBlobFromFd(registry().host(), "crate-test/big",
                                      digest, fd.get(), data.size()));
  StringSink back;
  ASSERT_OK(client_->FetchBlob(registry().host(), "crate-test/big", digest,
                               data.size(), &back));
  EXPECT_TRUE(back.data() == data);
  // The registry checks what it receives against the digest.
  std::string wrong = "sha256:" + std::string(64, '1');
  EXPECT_THAT(client_->UploadBlobFromFd(registry().host(), "crate-test/big",
                                        wrong, fd.get(), data.size()),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       AllOf(HasSubstr(wrong), HasSubstr("DIGEST_INVALID"))));
}

// Pushes a one-layer image with `client` and pulls it back.
void PushAndPull(RegistryClient& client, const std::string& host) {
  std::string layer = "not really a tar, but a blob";
  std::string config = R"({"architecture":"amd64","os":"linux"})";
  std::string layer_digest = Digest::Sha256Of(layer).ToString();
  std::string config_digest = Digest::Sha256Of(config).ToString();
  ASSERT_OK(client.UploadBlob(host, "crate-test/pushed", layer_digest, layer));
  ASSERT_OK(
      client.UploadBlob(host, "crate-test/pushed", config_digest, config));
  nlohmann::json manifest = {
      {"schemaVersion", 2},
      {"mediaType", "application/vnd.oci.image.manifest.v1+json"},
      {"config",
       {{"mediaType", "application/vnd.oci.image.config.v1+json"},
        {"digest", config_digest},
        {"size", config.size()}}},
      {"layers",
       {{{"mediaType", "application/vnd.oci.image.layer.v1.tar"},
         {"digest", layer_digest},
         {"size", layer.size()}}}}};
  std::string bytes = manifest.dump();
  ASSERT_OK_AND_ASSIGN(
      std::string digest,
      client.PutManifest(host, "crate-test/pushed", "latest", bytes,
                         "application/vnd.oci.image.manifest.v1+json"));
  ASSERT_OK_AND_ASSIGN(FetchedManifest m,
                       client.GetManifest(host, "crate-test/pushed", "latest"));
  EXPECT_EQ(m.digest, digest);
  EXPECT_EQ(m.media_type, "application/vnd.oci.image.manifest.v1+json");
  StringSink sink;
  ASSERT_OK(client.FetchBlob(host, "crate-test/pushed", layer_digest,
                             layer.size(), &sink));
  EXPECT_EQ(sink.data(), layer);
}

TEST(AuthRegistryTest, BasicAuthWithCredentialFile) {
  RegistryOptions options;
  options.auth = true;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<LocalRegistry> registry,
                       LocalRegistry::Start(options));
  ASSERT_OK_AND_ASSIGN(std::string tmp, MakeTempDir("auth"));
  RegistryConfig config = FastConfig(JoinPath(tmp, "certs.d"));

  std::unique_ptr<RegistryClient> anonymous = NewClient(config);
  EXPECT_THAT(
      anonymous->GetManifest(registry->host(), "crate-test/x", "latest"),
      StatusIs(absl::StatusCode::kUnauthenticated,
               HasSubstr(registry->host() + "/crate-test/x:latest")));
  EXPECT_THAT(anonymous->CheckLogin(registry->host(), {"crate", "wrong", ""}),
              StatusIs(absl::StatusCode::kUnauthenticated,
                       HasSubstr("\"crate\" was refused")));
  EXPECT_OK(anonymous->CheckLogin(
      registry->host(), {registry->user(), registry->password(), ""}));

  // Credentials as `crate login` stores them, behind a docker config.
  std::string own = JoinPath(tmp, "auth.json");
  ASSERT_OK(CredentialStore::Store(
      own, registry->host(), {registry->user(), registry->password(), ""}));
  config.auth_files = {own, registry->auth_file()};
  std::unique_ptr<RegistryClient> client = NewClient(config);
  PushAndPull(*client, registry->host());
  EXPECT_OK(registry->Stop());
  EXPECT_OK(RemoveTree(tmp));
}

TEST(TokenRegistryTest, BearerTokenFlowAgainstTheRealRegistry) {
  RegistryOptions options;
  options.token = true;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<LocalRegistry> registry,
                       LocalRegistry::Start(options));
  ASSERT_OK_AND_ASSIGN(std::string tmp, MakeTempDir("token"));
  RegistryConfig config = FastConfig(JoinPath(tmp, "certs.d"));

  std::unique_ptr<RegistryClient> anonymous = NewClient(config);
  EXPECT_THAT(anonymous->UploadBlob(registry->host(), "crate-test/t",
                                    Digest::Sha256Of("x").ToString(), "x"),
              StatusIs(absl::StatusCode::kUnauthenticated,
                       HasSubstr(registry->host())));
  EXPECT_THAT(anonymous->CheckLogin(registry->host(), {"crate", "wrong", ""}),
              StatusIs(absl::StatusCode::kUnauthenticated,
                       HasSubstr("credentials refused")));
  EXPECT_OK(anonymous->CheckLogin(
      registry->host(), {registry->user(), registry->password(), ""}));

  config.auth_files = {registry->auth_file()};
  std::unique_ptr<RegistryClient> client = NewClient(config);
  PushAndPull(*client, registry->host());
  // Tokens are cached per scope: push (pull,push) and pull scopes only.
  EXPECT_LE(client->stats().token_fetches, 3u);
  EXPECT_OK(registry->Stop());
  EXPECT_OK(RemoveTree(tmp));
}

TEST(TlsRegistryTest, CaFromCertsDir) {
  RegistryOptions options;
  options.tls = true;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<LocalRegistry> registry,
                       LocalRegistry::Start(options));
  ASSERT_OK_AND_ASSIGN(std::string tmp, MakeTempDir("tls"));
  RegistryConfig config = FastConfig(JoinPath(tmp, "certs.d"));

  std::unique_ptr<RegistryClient> untrusting = NewClient(config);
  EXPECT_THAT(untrusting->GetManifest(registry->host(), "crate-test/x", "v"),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       AllOf(HasSubstr("not trusted"),
                             HasSubstr(registry->host() + "/ca.crt"))));

  std::string dir = JoinPath(config.certs_dir, registry->host());
  ASSERT_OK(MakeDirs(dir));
  ASSERT_OK_AND_ASSIGN(std::string ca, ReadFile(registry->ca_cert()));
  ASSERT_OK(WriteFileAtomic(JoinPath(dir, "ca.crt"), ca));
  std::unique_ptr<RegistryClient> client = NewClient(config);
  PushAndPull(*client, registry->host());
  EXPECT_OK(registry->Stop());
  EXPECT_OK(RemoveTree(tmp));
}

class BlobServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(tmp_, MakeTempDir("blobs"));
    blob_.resize(3 << 20);
    for (size_t i = 0; i < blob_.size(); ++i) {
      blob_[i] = static_cast<char>((i * 2654435761u) >> 13);
    }
    digest_ = Digest::Sha256Of(blob_).ToString();
    ASSERT_OK_AND_ASSIGN(server_, testing::BlobServer::Start(tmp_, blob_));
    client_ = NewClient(FastConfig(JoinPath(tmp_, "certs.d")));
    ASSERT_NE(client_, nullptr);
  }
  void TearDown() override {
    server_.reset();
    EXPECT_OK(RemoveTree(tmp_));
  }

  std::string tmp_, blob_, digest_;
  std::unique_ptr<testing::BlobServer> server_;
  std::unique_ptr<RegistryClient> client_;
};

TEST_F(BlobServerTest, TokenFlowAndCaching) {
  StringSink a, b;
  ASSERT_OK(
      client_->FetchBlob(server_->host(), "ok", digest_, blob_.size(), &a));
  ASSERT_OK(
      client_->FetchBlob(server_->host(), "ok", digest_, blob_.size(), &b));
  EXPECT_EQ(a.data(), blob_);
  // One token for the scope, reused for the second fetch.
  EXPECT_EQ(client_->stats().token_fetches, 1u);
}

TEST_F(BlobServerTest, BrokenTransferResumesWithRange) {
  StringSink sink;
  ASSERT_OK(client_->FetchBlob(server_->host(), "broken", digest_, blob_.size(),
                               &sink));
  EXPECT_EQ(sink.data(), blob_);
  EXPECT_EQ(client_->stats().resumes, 1u);
  std::vector<std::string> ranges = server_->Ranges("broken");
  ASSERT_EQ(ranges.size(), 2u);
  EXPECT_EQ(ranges[0], "-");
  EXPECT_EQ(ranges[1], absl::StrCat("bytes=", blob_.size() / 2, "-"));
}

TEST_F(BlobServerTest, IgnoredRangeStartsOver) {
  StringSink sink;
  ASSERT_OK(client_->FetchBlob(server_->host(), "norange", digest_,
                               blob_.size(), &sink));
  EXPECT_EQ(sink.data(), blob_);
}

TEST_F(BlobServerTest, ServerErrorsAreRetried) {
  StringSink sink;
  ASSERT_OK(client_->FetchBlob(server_->host(), "flaky", digest_, -1, &sink));
  EXPECT_EQ(sink.data(), blob_);
  EXPECT_GE(client_->stats().retries, 2u);
}

TEST_F(BlobServerTest, GivesUpAfterMaxAttempts) {
  RegistryConfig c = FastConfig(JoinPath(tmp_, "certs.d"));
  c.max_attempts = 2;
  std::unique_ptr<RegistryClient> client = NewClient(c);
  StringSink sink;
  EXPECT_THAT(client->FetchBlob(server_->host(), "flaky", digest_, -1, &sink),
              StatusIs(absl::StatusCode::kUnavailable,
                       AllOf(HasSubstr("503"), HasSubstr("try later"))));
}

TEST_F(BlobServerTest, CorruptBlobIsDataLossAndDiscarded) {
  StringSink sink;
  EXPECT_THAT(client_->FetchBlob(server_->host(), "corrupt", digest_,
                                 blob_.size(), &sink),
              StatusIs(absl::StatusCode::kDataLoss,
                       AllOf(HasSubstr(digest_), HasSubstr("hashing to"))));
  EXPECT_EQ(sink.Offset(), 0u);
}

TEST_F(BlobServerTest, IdentityTokenIsTradedForAnAccessToken) {
  std::string auth = JoinPath(tmp_, "auth.json");
  ASSERT_OK(CredentialStore::Store(auth, server_->host(),
                                   {"", "", "refresh-secret"}));
  RegistryConfig c = FastConfig(JoinPath(tmp_, "certs.d"));
  c.auth_files = {auth};
  std::unique_ptr<RegistryClient> client = NewClient(c);
  StringSink sink;
  ASSERT_OK(client->FetchBlob(server_->host(), "ok", digest_, -1, &sink));
  EXPECT_EQ(sink.data(), blob_);

  ASSERT_OK(CredentialStore::Store(auth, server_->host(), {"", "", "stale"}));
  client = NewClient(c);
  EXPECT_THAT(client->FetchBlob(server_->host(), "ok", digest_, -1, &sink),
              StatusIs(absl::StatusCode::kUnauthenticated,
                       HasSubstr("credentials refused")));
}

// Mutual TLS: the server requires a client certificate, which the client
// finds in certs.d/<host:port>/client.{cert,key}, beside the CA.
TEST(MutualTlsTest, ClientCertificateFromCertsDir) {
  ASSERT_OK_AND_ASSIGN(std::string tmp, MakeTempDir("mtls"));
  std::string pki = JoinPath(tmp, "pki");
  ASSERT_OK(MakeDirs(pki));
  std::string script = absl::StrCat(
      "set -e; cd '", pki, "'\n",
      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 "
      "-nodes -keyout ca.key -out ca.crt -days 2 -subj /CN=ca "
      "-addext basicConstraints=critical,CA:TRUE "
      "-addext keyUsage=critical,keyCertSign\n",
      "for n in server client; do\n"
      "  openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
      "-keyout $n.key -out $n.csr -subj /CN=$n\n"
      "done\n",
      "printf 'subjectAltName=IP:127.0.0.1\\nextendedKeyUsage=serverAuth\\n' "
      "> server.ext\n",
      "printf 'extendedKeyUsage=clientAuth\\n' > client.ext\n",
      "for n in server client; do\n"
      "  openssl x509 -req -in $n.csr -CA ca.crt -CAkey ca.key "
      "-CAcreateserial -out $n.crt -days 2 -extfile $n.ext\n"
      "done\n");
  ASSERT_OK_AND_ASSIGN(fixtures::CommandResult made,
                       fixtures::RunCommand({"/bin/sh", "-c", script}));
  ASSERT_EQ(made.exit_code, 0) << made.err;

  std::string blob = "a blob behind mutual TLS";
  ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<testing::BlobServer> server,
      testing::BlobServer::Start(
          JoinPath(tmp, "server"), blob,
          {{"BLOB_SERVER_CERT", JoinPath(pki, "server.crt")},
           {"BLOB_SERVER_KEY", JoinPath(pki, "server.key")},
           {"BLOB_SERVER_CLIENT_CA", JoinPath(pki, "ca.crt")}}));
  RegistryConfig config = FastConfig(JoinPath(tmp, "certs.d"));
  config.max_attempts = 1;
  std::string dir = JoinPath(config.certs_dir, server->host());
  ASSERT_OK(MakeDirs(dir));
  ASSERT_OK_AND_ASSIGN(std::string ca, ReadFile(JoinPath(pki, "ca.crt")));
  ASSERT_OK(WriteFileAtomic(JoinPath(dir, "ca.crt"), ca));

  // The CA alone is not enough: the server wants a client certificate.
  std::unique_ptr<RegistryClient> without = NewClient(config);
  StringSink sink;
  EXPECT_FALSE(without
                   ->FetchBlob(server->host(), "ok",
                               Digest::Sha256Of(blob).ToString(), -1, &sink)
                   .ok());

  ASSERT_OK_AND_ASSIGN(std::string cert, ReadFile(JoinPath(pki, "client.crt")));
  ASSERT_OK_AND_ASSIGN(std::string key, ReadFile(JoinPath(pki, "client.key")));
  ASSERT_OK(WriteFileAtomic(JoinPath(dir, "client.cert"), cert));
  ASSERT_OK(WriteFileAtomic(JoinPath(dir, "client.key"), key, 0600));
  std::unique_ptr<RegistryClient> with = NewClient(config);
  ASSERT_OK(with->FetchBlob(server->host(), "ok",
                            Digest::Sha256Of(blob).ToString(), -1, &sink));
  EXPECT_EQ(sink.data(), blob);
  server.reset();
  EXPECT_OK(RemoveTree(tmp));
}

TEST_F(BlobServerTest, TokenEndpointRefusesBadCredentials) {
  std::string auth = JoinPath(tmp_, "auth.json");
  ASSERT_OK(
      CredentialStore::Store(auth, server_->host(), {"alice", "nope", ""}));
  RegistryConfig c = FastConfig(JoinPath(tmp_, "certs.d"));
  c.auth_files = {auth};
  std::unique_ptr<RegistryClient> client = NewClient(c);
  StringSink sink;
  EXPECT_THAT(client->FetchBlob(server_->host(), "ok", digest_, -1, &sink),
              StatusIs(absl::StatusCode::kUnauthenticated,
                       HasSubstr("credentials refused")));
  EXPECT_OK(client->CheckLogin(server_->host(), {"alice", "secret", ""}));
}

}  // namespace
}  // namespace crate::registry
