#include "registry/distribution/auth.h"

#include <sys/stat.h>

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "registry/distribution/client.h"
#include "runtime/base/file_util.h"
#include "runtime/base/status_matchers.h"

namespace crate::registry {
namespace {

using ::crate::testing::StatusIs;
using ::testing::HasSubstr;

TEST(WwwAuthenticateTest, Bearer) {
  ASSERT_OK_AND_ASSIGN(
      std::vector<AuthChallenge> cs,
      ParseWwwAuthenticate(
          R"(Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull")"));
  ASSERT_EQ(cs.size(), 1u);
  EXPECT_EQ(cs[0].scheme, "bearer");
  EXPECT_EQ(cs[0].Param("realm"), "https://auth.docker.io/token");
  EXPECT_EQ(cs[0].Param("service"), "registry.docker.io");
  EXPECT_EQ(cs[0].Param("scope"), "repository:library/busybox:pull");
}

TEST(WwwAuthenticateTest, SeveralChallengesQuotesAndTokens) {
  ASSERT_OK_AND_ASSIGN(
      std::vector<AuthChallenge> cs,
      ParseWwwAuthenticate(
          R"(Basic realm="a, \"b\"", BEARER Realm=https://x/t , error=insufficient_scope,scope="repository:a:pull,push")"));
  ASSERT_EQ(cs.size(), 2u);
  EXPECT_EQ(cs[0].scheme, "basic");
  EXPECT_EQ(cs[0].Param("realm"), "a, \"b\"");
  EXPECT_EQ(cs[1].scheme, "bearer");
  EXPECT_EQ(cs[1].Param("realm"), "https://x/t");
  EXPECT_EQ(cs[1].Param("error"), "insufficient_scope");
  EXPECT_EQ(cs[1].Param("scope"), "repository:a:pull,push");
}

TEST(WwwAuthenticateTest, Malformed) {
  EXPECT_THAT(
      ParseWwwAuthenticate(""),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("no challenge")));
  EXPECT_THAT(
      ParseWwwAuthenticate(R"(Bearer realm="open)"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("unterminated")));
}

class CredentialStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(tmp_, MakeTempDir("auth_test"));
  }
  void TearDown() override { ASSERT_OK(RemoveTree(tmp_)); }
  std::string tmp_;
};

TEST_F(CredentialStoreTest, ReadsDockerConfigAndNormalizesKeys) {
  std::string docker = JoinPath(tmp_, "config.json");
  // dXNlcjpwYXNz = user:pass, aHViOnNlY3JldDp3aXRoOmNvbG9ucw== =
  // hub:secret:with:colons
  ASSERT_OK(WriteFileAtomic(docker, R"({"auths": {
    "https://index.docker.io/v1/": {"auth": "aHViOnNlY3JldDp3aXRoOmNvbG9ucw=="},
    "http://127.0.0.1:5000/v2/": {"auth": "dXNlcjpwYXNz"},
    "empty.example": {}
  }, "credsStore": "desktop"})"));
  ASSERT_OK_AND_ASSIGN(
      CredentialStore store,
      CredentialStore::Load({JoinPath(tmp_, "missing.json"), docker}));
  absl::optional<Credentials> hub = store.Lookup("docker.io");
  ASSERT_TRUE(hub.has_value());
  EXPECT_EQ(hub->username, "hub");
  EXPECT_EQ(hub->password, "secret:with:colons");
  EXPECT_TRUE(store.Lookup("registry-1.docker.io").has_value());
  absl::optional<Credentials> local = store.Lookup("127.0.0.1:5000");
  ASSERT_TRUE(local.has_value());
  EXPECT_EQ(local->username, "user");
  EXPECT_FALSE(store.Lookup("empty.example").has_value());
  EXPECT_FALSE(store.Lookup("quay.io").has_value());
}

TEST_F(CredentialStoreTest, StoreEraseAndPrecedence) {
  std::string own = JoinPath(tmp_, "crate/auth.json");
  std::string docker = JoinPath(tmp_, "docker.json");
  ASSERT_OK(
      CredentialStore::Store(docker, "ghcr.io", {"docker-user", "x", ""}));
  ASSERT_OK(CredentialStore::Store(own, "ghcr.io", {"crate-user", "y", ""}));
  ASSERT_OK(CredentialStore::Store(own, "quay.io", {"q", "z", ""}));
  struct stat st;
  ASSERT_EQ(stat(own.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
  ASSERT_OK_AND_ASSIGN(CredentialStore store,
                       CredentialStore::Load({own, docker}));
  EXPECT_EQ(store.Lookup("ghcr.io")->username, "crate-user");
  EXPECT_EQ(store.Lookup("quay.io")->password, "z");

  ASSERT_OK(CredentialStore::Erase(own, "ghcr.io"));
  EXPECT_THAT(CredentialStore::Erase(own, "ghcr.io"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("ghcr.io")));
  ASSERT_OK_AND_ASSIGN(store, CredentialStore::Load({own, docker}));
  EXPECT_EQ(store.Lookup("ghcr.io")->username, "docker-user");
  EXPECT_TRUE(store.Lookup("quay.io").has_value());
}

TEST_F(CredentialStoreTest, CredentialProgramsComeFirst) {
  std::string bin = JoinPath(tmp_, "bin");
  ASSERT_OK(MakeDirs(bin));
  // Answers only for keychain.example, like a keychain that knows one host.
  std::string program = JoinPath(bin, "docker-credential-crate-test");
  ASSERT_OK(WriteFileAtomic(program, R"(#!/bin/sh
[ "$1" = get ] || exit 1
read -r server
case "$server" in
  keychain.example) echo '{"ServerURL":"keychain.example","Username":"hu","Secret":"hs"}' ;;
  https://index.docker.io/v1/) echo '{"Username":"<token>","Secret":"refresh"}' ;;
  *) echo "credentials not found in native keychain"; exit 1 ;;
esac
)",
                            0755));
  std::string path = getenv("PATH") ? getenv("PATH") : "/usr/bin:/bin";
  setenv("PATH", (bin + ":" + path).c_str(), 1);
  std::string docker = JoinPath(tmp_, "config.json");
  ASSERT_OK(WriteFileAtomic(docker, R"({
    "auths": {"keychain.example": {"auth": "dXNlcjpwYXNz"},
              "other.example": {"auth": "dXNlcjpwYXNz"}},
    "credHelpers": {"keychain.example": "crate-test", "missing.example": "nope"},
    "credsStore": "crate-test"
  })"));
  ASSERT_OK_AND_ASSIGN(CredentialStore store, CredentialStore::Load({docker}));
  absl::optional<Credentials> c = store.Lookup("keychain.example");
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->username, "hu");
  EXPECT_EQ(c->password, "hs");
  c = store.Lookup("docker.io");
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->identity_token, "refresh");
  // The store knows nothing of other.example: "auths" answers.
  c = store.Lookup("other.example");
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->username, "user");
  // A program that is not installed is no error.
  EXPECT_FALSE(store.Lookup("missing.example").has_value());
  setenv("PATH", path.c_str(), 1);
}

TEST_F(CredentialStoreTest, MalformedFilesNameThemselves) {
  std::string bad = JoinPath(tmp_, "bad.json");
  ASSERT_OK(WriteFileAtomic(bad, "{not json"));
  EXPECT_THAT(CredentialStore::Load({bad}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(bad)));
  ASSERT_OK(WriteFileAtomic(bad, R"({"auths":{"h":{"auth":"!!!"}}})"));
  EXPECT_THAT(
      CredentialStore::Load({bad}),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not base64")));
}

TEST(EndpointTest, DockerHubAndInsecureHosts) {
  RegistryConfig config;
  config.insecure_registries = {"registry.lan:5000"};
  Endpoint hub = ResolveEndpoint("docker.io", config);
  EXPECT_EQ(hub.api_host, "registry-1.docker.io");
  EXPECT_FALSE(hub.allow_http);
  EXPECT_TRUE(ResolveEndpoint("localhost:5000", config).allow_http);
  EXPECT_TRUE(ResolveEndpoint("127.0.0.1:41234", config).allow_http);
  EXPECT_TRUE(ResolveEndpoint("registry.lan:5000", config).allow_http);
  EXPECT_FALSE(ResolveEndpoint("registry.lan", config).allow_http);
  EXPECT_FALSE(ResolveEndpoint("quay.io", config).allow_http);
  EXPECT_EQ(ResolveEndpoint("quay.io", config).api_host, "quay.io");
}

}  // namespace
}  // namespace crate::registry
