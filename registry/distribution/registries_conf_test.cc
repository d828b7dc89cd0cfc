#include "registry/distribution/registries_conf.h"

#include <stdlib.h>

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "registry/distribution/client.h"
#include "runtime/base/file_util.h"
#include "runtime/base/status_matchers.h"

namespace crate::registry {
namespace {

using ::crate::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr char kGood[] = R"(# the lab's registries
certs_dir = "/srv/certs.d"

[[registry]]
location = "registry.lan:5000"
insecure = true

[[registry]]
location = "index.docker.io"
mirrors = ["mirror-a.lan:5000", "mirror-b.lan"]

[[registry]]
location = "quay.io"
insecure = false
)";

TEST(RegistriesConfTest, GoodFile) {
  ASSERT_OK_AND_ASSIGN(RegistriesConf conf,
                       ParseRegistriesConf(kGood, "/etc/crate/r.toml"));
  EXPECT_EQ(conf.path, "/etc/crate/r.toml");
  EXPECT_EQ(conf.certs_dir, "/srv/certs.d");
  EXPECT_THAT(conf.insecure_registries, ElementsAre("registry.lan:5000"));
  ASSERT_EQ(conf.mirrors.count("docker.io"), 1u);
  EXPECT_THAT(conf.mirrors["docker.io"],
              ElementsAre("mirror-a.lan:5000", "mirror-b.lan"));
  EXPECT_EQ(conf.mirrors.count("quay.io"), 0u);
}

TEST(RegistriesConfTest, EmptyFileIsTheDefaults) {
  ASSERT_OK_AND_ASSIGN(RegistriesConf conf, ParseRegistriesConf("", "x"));
  EXPECT_THAT(conf.insecure_registries, IsEmpty());
  EXPECT_THAT(conf.mirrors, IsEmpty());
  EXPECT_EQ(conf.certs_dir, "");
}

struct BadCase {
  const char* text;
  const char* message;  // what the error must say besides file and line
};

TEST(RegistriesConfTest, BadFilesNameFileLineAndKey) {
  const BadCase cases[] = {
      {"certs_dir = \"/a\"\nunknown = 1\n", "r.toml:2: unknown: unknown key"},
      {"certs_dir = \"relative\"\n",
       "r.toml:1: certs_dir: must be an absolute"},
      {"registry = 3\n", "r.toml:1: registry: must be an array of tables"},
      {"[[registry]]\ninsecure = true\n", "r.toml:1: registry: has no"},
      {"[[registry]]\nlocation = \"a:1\"\ninsecure = \"yes\"\n",
       "r.toml:3: registry.insecure: must be true or false"},
      {"[[registry]]\nlocation = \"https://a:1\"\n",
       "r.toml:2: registry.location: \"https://a:1\" is not a registry host"},
      {"[[registry]]\nlocation = \"a:1/repo\"\n",
       "r.toml:2: registry.location: \"a:1/repo\" is not"},
      {"[[registry]]\nlocation = \"a:1\"\nmirrors = \"b\"\n",
       "r.toml:3: registry.mirrors: must be an array"},
      {"[[registry]]\nlocation = \"a:1\"\nmirrors = [\"b\", 7]\n",
       "r.toml:3: registry.mirrors: must be a string"},
      {"[[registry]]\nlocation = \"a:1\"\nmirrors = [\"a:1\"]\n",
       "r.toml:3: registry.mirrors: \"a:1\" is a mirror of itself"},
      {"[[registry]]\nlocation = \"a:1\"\nfoo = 1\n",
       "r.toml:3: registry.foo: unknown key"},
      {"[[registry]]\nlocation = \"a:1\"\ninsecure = tru\n", "r.toml:3: "},
  };
  for (const BadCase& c : cases) {
    EXPECT_THAT(ParseRegistriesConf(c.text, "/etc/r.toml").status(),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         HasSubstr(std::string("/etc/") + c.message)))
        << c.text;
  }
}

TEST(RegistriesConfTest, LoadMissingFileAndRealFile) {
  const std::string dir = getenv("TEST_TMPDIR");
  ASSERT_OK_AND_ASSIGN(RegistriesConf none,
                       LoadRegistriesConf(JoinPath(dir, "absent.toml")));
  EXPECT_EQ(none.path, "");
  const std::string path = JoinPath(dir, "registries.toml");
  ASSERT_OK(WriteFileAtomic(path, kGood));
  ASSERT_OK_AND_ASSIGN(RegistriesConf conf, LoadRegistriesConf(path));
  EXPECT_EQ(conf.path, path);
  EXPECT_THAT(conf.insecure_registries, ElementsAre("registry.lan:5000"));
  ASSERT_OK(WriteFileAtomic(path, "[[registry]]\nlocation = 5\n"));
  EXPECT_THAT(LoadRegistriesConf(path).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr(path + ":2: registry.location")));
}

TEST(RegistriesConfTest, DefaultPathFollowsTheUser) {
  if (geteuid() == 0) {
    EXPECT_EQ(DefaultRegistriesConfPath(), "/etc/crate/registries.toml");
  } else {
    setenv("XDG_CONFIG_HOME", "/x/conf", 1);
    EXPECT_EQ(DefaultRegistriesConfPath(), "/x/conf/crate/registries.toml");
  }
}

// Plain HTTP is allowed exactly for loopback and the hosts the file calls
// insecure; other hosts must speak verified TLS.
TEST(RegistriesConfTest, InsecureHostsMayUsePlainHttp) {
  ASSERT_OK_AND_ASSIGN(RegistriesConf conf, ParseRegistriesConf(kGood, "r"));
  RegistryConfig config;
  config.insecure_registries = conf.insecure_registries;
  EXPECT_TRUE(ResolveEndpoint("registry.lan:5000", config).allow_http);
  EXPECT_TRUE(ResolveEndpoint("registry.lan:5000", config).tls_unverified);
  EXPECT_FALSE(ResolveEndpoint("127.0.0.1:5000", config).tls_unverified);
  EXPECT_FALSE(ResolveEndpoint("quay.io", config).tls_unverified);
  EXPECT_FALSE(ResolveEndpoint("registry.lan:5001", config).allow_http);
  EXPECT_FALSE(ResolveEndpoint("registry.lan", config).allow_http);
  EXPECT_FALSE(ResolveEndpoint("quay.io", config).allow_http);
  EXPECT_FALSE(ResolveEndpoint("mirror-a.lan:5000", config).allow_http);
  EXPECT_TRUE(ResolveEndpoint("127.0.0.1:5000", config).allow_http);
  EXPECT_TRUE(ResolveEndpoint("localhost:5000", config).allow_http);
  Endpoint hub = ResolveEndpoint("docker.io", config);
  EXPECT_FALSE(hub.allow_http);
  EXPECT_EQ(hub.api_host, "registry-1.docker.io");
}

}  // namespace
}  // namespace crate::registry
