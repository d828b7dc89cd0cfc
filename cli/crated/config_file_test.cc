#include "cli/crated/config_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/base/status_matchers.h"

namespace crate::crated {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(ServiceConfigTest, EveryKey) {
  ASSERT_OK_AND_ASSIGN(ServiceConfig c, ParseServiceConfig(R"(
[storage]
root = "/srv/crate"
run_dir = "/run/crate2"

[service]
idle_timeout = 0
group = "docker"

[logs]
max_size = "10MiB"

[network]
default = "none"

[registries]
certs_dir = "/etc/crate/certs.d"
[[registries.registry]]
location = "registry.lan:5000"
insecure = true
[[registries.registry]]
location = "docker.io"
mirrors = ["mirror.lan:5000"]
)",
                                                           "/etc/crate.toml"));
  EXPECT_EQ(c.path, "/etc/crate.toml");
  EXPECT_EQ(c.root, "/srv/crate");
  EXPECT_EQ(c.run_dir, "/run/crate2");
  EXPECT_EQ(c.idle_timeout_seconds, 0);
  EXPECT_EQ(c.group, "docker");
  EXPECT_EQ(c.log_max_bytes, 10 << 20);
  EXPECT_EQ(c.default_network, "none");
  ASSERT_TRUE(c.registries.has_value());
  EXPECT_EQ(c.registries->certs_dir, "/etc/crate/certs.d");
  EXPECT_THAT(c.registries->insecure_registries,
              ElementsAre("registry.lan:5000"));
  EXPECT_THAT(c.registries->mirrors["docker.io"],
              ElementsAre("mirror.lan:5000"));
}

TEST(ServiceConfigTest, EmptyKeepsEveryDefault) {
  ASSERT_OK_AND_ASSIGN(ServiceConfig c, ParseServiceConfig("", "f"));
  EXPECT_FALSE(c.root.has_value());
  EXPECT_FALSE(c.idle_timeout_seconds.has_value());
  EXPECT_FALSE(c.log_max_bytes.has_value());
  EXPECT_FALSE(c.registries.has_value());
}

TEST(ServiceConfigTest, ErrorsNameFileLineAndKey) {
  struct Case {
    const char* text;
    const char* want;
  };
  for (const Case& tc : std::vector<Case>{
           {"[storage]\nroot = \"relative\"\n",
            "f:2: storage.root: must be an absolute path"},
           {"[storage]\nroots = \"/x\"\n", "f:2: storage.roots: unknown key"},
           {"[service]\nidle_timeout = -1\n", "f:2: service.idle_timeout"},
           {"[service]\nidle_timeout = \"5s\"\n", "service.idle_timeout"},
           {"[logs]\nmax_size = \"lots\"\n",
            "f:2: logs.max_size: \"lots\" is not a size"},
           {"[logs]\nmax_size = 10\n", "logs.max_size: must be at least 64KiB"},
           {"[network]\ndefault = \"bridge\"\n", "network.default: must be"},
           {"[networks]\n", "networks: unknown table"},
           {"storage = 1\n", "storage: must be a table"},
           {"[registries]\nbogus = 1\n", "f:2: bogus: unknown key"},
           {"[storage\n", "f:1:"},
       }) {
    absl::StatusOr<ServiceConfig> c = ParseServiceConfig(tc.text, "f");
    ASSERT_FALSE(c.ok()) << tc.text;
    EXPECT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(c.status().message()), HasSubstr(tc.want))
        << tc.text;
  }
}

TEST(ServiceConfigTest, ByteSizes) {
  EXPECT_EQ(*ParseByteSize("4096"), 4096);
  EXPECT_EQ(*ParseByteSize("512k"), 512 << 10);
  EXPECT_EQ(*ParseByteSize("512KiB"), 512 << 10);
  EXPECT_EQ(*ParseByteSize("10MB"), 10 << 20);
  EXPECT_EQ(*ParseByteSize(" 2g "), int64_t{2} << 30);
  for (const char* bad :
       {"", "k", "-1m", "1.5m", "1t", "99999999999999999g", "12 m"}) {
    EXPECT_FALSE(ParseByteSize(bad).ok()) << bad;
  }
}

TEST(ServiceConfigTest, DefaultPaths) {
  PathEnv root;
  root.euid = 0;
  EXPECT_EQ(DefaultConfigPath(root), "/etc/crate/crate.toml");
  PathEnv user;
  user.euid = 1000;
  user.home = "/home/u";
  EXPECT_EQ(DefaultConfigPath(user), "/home/u/.config/crate/crate.toml");
  EXPECT_EQ(DefaultConfigPath(user, "/xdg"), "/xdg/crate/crate.toml");
  EXPECT_EQ(DefaultConfigPath(user, "relative"),
            "/home/u/.config/crate/crate.toml");
}

TEST(ServiceConfigTest, LoadMissingAndPresent) {
  char dir[] = "/tmp/crate-config-test.XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  std::string path = std::string(dir) + "/crate.toml";
  ASSERT_OK_AND_ASSIGN(ServiceConfig none, LoadServiceConfig(path, false));
  EXPECT_TRUE(none.path.empty());
  absl::StatusOr<ServiceConfig> required = LoadServiceConfig(path, true);
  ASSERT_FALSE(required.ok());
  EXPECT_THAT(std::string(required.status().message()), HasSubstr(path));
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  ASSERT_GE(fd, 0);
  const char text[] = "[service]\nidle_timeout = 9\n";
  ASSERT_EQ(write(fd, text, sizeof(text) - 1),
            static_cast<ssize_t>(sizeof(text) - 1));
  close(fd);
  ASSERT_OK_AND_ASSIGN(ServiceConfig c, LoadServiceConfig(path, false));
  EXPECT_EQ(c.idle_timeout_seconds, 9);
  unlink(path.c_str());
  rmdir(dir);
}

}  // namespace
}  // namespace crate::crated
