#include "cli/crate/run_options.h"

#include <map>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace crate::cli {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

RunEnvironment FakeEnvironment(std::map<std::string, std::string> vars,
                               std::map<std::string, std::string> files) {
  RunEnvironment env;
  env.getenv = [vars](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
  env.read_file =
      [files](const std::string& path) -> absl::StatusOr<std::string> {
    auto it = files.find(path);
    if (it == files.end())
      return absl::NotFoundError("open " + path + ": no such file");
    return it->second;
  };
  return env;
}

// Parses a create command line as the CLI does.
struct Parsed {
  RunFlags flags;
  std::string image;
  std::vector<std::string> cmd;
  absl::Status status;
};

Parsed Parse(std::vector<std::string> args) {
  Parsed p;
  CLI::App app("test", "create");
  AddRunFlags(app, p.flags);
  std::vector<std::string> reversed(args.rbegin(), args.rend());
  try {
    app.parse(reversed);
  } catch (const CLI::ParseError& e) {
    p.status = absl::InvalidArgumentError(e.what());
    return p;
  }
  p.status = SplitImageAndCommand(app.remaining(), &p.image, &p.cmd);
  return p;
}

absl::StatusOr<crate::v1::CreateContainerRequest> Build(
    std::vector<std::string> args,
    const RunEnvironment& env = FakeEnvironment({}, {})) {
  Parsed p = Parse(std::move(args));
  if (!p.status.ok()) return p.status;
  return BuildCreateRequest(p.flags, p.image, p.cmd, env);
}

TEST(RunOptionsTest, ImageAndCommandKeepTheirOwnFlags) {
  Parsed p = Parse({"-e", "A=1", "busybox", "sh", "-c", "echo -e hi", "-d"});
  ASSERT_TRUE(p.status.ok()) << p.status;
  EXPECT_EQ(p.image, "busybox");
  EXPECT_THAT(p.cmd, ElementsAre("sh", "-c", "echo -e hi", "-d"));
  EXPECT_THAT(p.flags.env, ElementsAre("A=1"));
}

TEST(RunOptionsTest, RepeatedOptionsTakeOneValueEach) {
  Parsed p = Parse({"-e", "A=1", "-eB=2", "--env=C=3", "-v", "/a:/b", "img"});
  ASSERT_TRUE(p.status.ok()) << p.status;
  EXPECT_THAT(p.flags.env, ElementsAre("A=1", "B=2", "C=3"));
  EXPECT_THAT(p.flags.volumes, ElementsAre("/a:/b"));
  EXPECT_EQ(p.image, "img");
}

TEST(RunOptionsTest, UnknownFlagBeforeTheImage) {
  Parsed p = Parse({"--bogus", "busybox"});
  EXPECT_THAT(std::string(p.status.message()),
              HasSubstr("unknown flag: --bogus"));
  p = Parse({});
  EXPECT_THAT(std::string(p.status.message()),
              HasSubstr("requires at least 1 argument"));
  p = Parse({"--", "busybox", "true"});
  EXPECT_EQ(p.image, "busybox");
}

TEST(RunOptionsTest, EveryOptionReachesTheRequest) {
  auto r = Build({"--name",
                  "web",
                  "-w",
                  "/srv",
                  "-u",
                  "1000:1000",
                  "-h",
                  "box",
                  "-l",
                  "a=1",
                  "-l",
                  "flag",
                  "--read-only",
                  "--tmpfs",
                  "/run:size=64m",
                  "-v",
                  "/host:/ctr:ro",
                  "-v",
                  "data:/data",
                  "-m",
                  "512m",
                  "--memory-swap",
                  "-1",
                  "--cpus",
                  "1.5",
                  "--pids-limit",
                  "100",
                  "--cap-add",
                  "NET_ADMIN",
                  "--cap-drop",
                  "ALL",
                  "--security-opt",
                  "no-new-privileges",
                  "--privileged",
                  "--network",
                  "none",
                  "--stop-signal",
                  "SIGINT",
                  "--stop-timeout",
                  "5",
                  "--sysctl",
                  "net.ipv4.ip_forward=1",
                  "--ulimit",
                  "nofile=1024:2048",
                  "--rm",
                  "busybox",
                  "true"});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->name(), "web");
  const crate::v1::ContainerConfig& c = r->config();
  EXPECT_EQ(c.image(), "busybox");
  EXPECT_THAT(c.cmd(), ElementsAre("true"));
  EXPECT_FALSE(c.entrypoint_set());
  EXPECT_EQ(c.working_dir(), "/srv");
  EXPECT_EQ(c.user(), "1000:1000");
  EXPECT_EQ(c.hostname(), "box");
  EXPECT_THAT(c.labels(),
              UnorderedElementsAre(Pair("a", "1"), Pair("flag", "")));
  EXPECT_TRUE(c.read_only_rootfs());
  ASSERT_EQ(c.mounts_size(), 3);
  EXPECT_EQ(c.mounts(0).type(), crate::v1::Mount::BIND);
  EXPECT_EQ(c.mounts(0).source(), "/host");
  EXPECT_EQ(c.mounts(0).destination(), "/ctr");
  EXPECT_TRUE(c.mounts(0).read_only());
  EXPECT_EQ(c.mounts(1).type(), crate::v1::Mount::VOLUME);
  EXPECT_EQ(c.mounts(1).source(), "data");
  EXPECT_EQ(c.mounts(2).type(), crate::v1::Mount::TMPFS);
  EXPECT_EQ(c.mounts(2).options(), "size=64m");
  EXPECT_EQ(c.resources().memory_bytes(), 512ll << 20);
  EXPECT_EQ(c.resources().memory_swap_bytes(), -1);
  EXPECT_DOUBLE_EQ(c.resources().cpus(), 1.5);
  EXPECT_EQ(c.resources().pids_limit(), 100);
  EXPECT_THAT(c.cap_add(), ElementsAre("NET_ADMIN"));
  EXPECT_THAT(c.cap_drop(), ElementsAre("ALL"));
  EXPECT_THAT(c.security_opt(), ElementsAre("no-new-privileges"));
  EXPECT_TRUE(c.privileged());
  EXPECT_EQ(c.network(), "none");
  EXPECT_EQ(c.stop_signal(), "SIGINT");
  EXPECT_EQ(c.stop_timeout_seconds(), 5);
  EXPECT_THAT(c.sysctls(),
              UnorderedElementsAre(Pair("net.ipv4.ip_forward", "1")));
  EXPECT_THAT(c.ulimits(), ElementsAre("nofile=1024:2048"));
  EXPECT_TRUE(c.auto_remove());
}

TEST(RunOptionsTest, Entrypoint) {
  auto r = Build({"--entrypoint", "/bin/echo", "img", "hi"});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->config().entrypoint_set());
  EXPECT_THAT(r->config().entrypoint(), ElementsAre("/bin/echo"));
  r = Build({"--entrypoint", "", "img"});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->config().entrypoint_set());
  EXPECT_EQ(r->config().entrypoint_size(), 0);
}

TEST(RunOptionsTest, DockersUnlimitedAndDefaultNetwork) {
  auto r = Build({"--pids-limit", "-1", "--network", "bridge", "img"});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->config().resources().pids_limit(), 0);
  EXPECT_EQ(r->config().network(), "private");
}

TEST(RunOptionsTest, EnvironmentFromFilesThenFlags) {
  RunEnvironment env =
      FakeEnvironment({{"FROM_CLIENT", "c"}, {"FILE_VAR", "f"}},
                      {{"/e.env",
                        "\xEF\xBB\xBF# comment\n\nA=1\n  B=two "
                        "words\nFILE_VAR\nUNSET\r\nA=3\n"}});
  auto r = Build({"--env-file", "/e.env", "-e", "A=2", "-e", "FROM_CLIENT",
                  "-e", "NOT_IN_CLIENT", "img"},
                 env);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_THAT(r->config().env(), ElementsAre("A=1", "B=two words", "FILE_VAR=f",
                                             "A=3", "A=2", "FROM_CLIENT=c"));
}

TEST(RunOptionsTest, BadEnvironment) {
  RunEnvironment env =
      FakeEnvironment({}, {{"/bad.env", "OK=1\nBAD NAME=1\n"}});
  auto r = Build({"--env-file", "/bad.env", "img"}, env);
  EXPECT_THAT(
      std::string(r.status().message()),
      HasSubstr("/bad.env:2: variable 'BAD NAME' contains whitespaces"));
  r = Build({"--env-file", "/missing.env", "img"}, env);
  EXPECT_THAT(std::string(r.status().message()),
              HasSubstr("--env-file: open /missing.env"));
  r = Build({"-e", "=x", "img"}, env);
  EXPECT_THAT(std::string(r.status().message()),
              HasSubstr("invalid environment variable"));
}

TEST(RunOptionsTest, BadValuesNameTheirOption) {
  EXPECT_THAT(std::string(Build({"-m", "lots", "img"}).status().message()),
              HasSubstr("--memory: invalid size: 'lots'"));
  EXPECT_THAT(std::string(Build({"--cpus", "-1", "img"}).status().message()),
              HasSubstr("--cpus"));
  EXPECT_THAT(std::string(Build({"--sysctl", "x", "img"}).status().message()),
              HasSubstr("--sysctl x: expected KEY=VALUE"));
  EXPECT_THAT(
      std::string(Build({"--pull", "sometimes", "img"}).status().message()),
      HasSubstr("sometimes"));
}

TEST(RunOptionsTest, InteractiveAndTty) {
  auto r = Build({"-it", "img", "sh"});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->config().tty());
  EXPECT_TRUE(r->config().open_stdin());
  r = Build({"-i", "img"});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_FALSE(r->config().tty());
  EXPECT_TRUE(r->config().open_stdin());
  r = Build({"--tty", "img"});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->config().tty());
  EXPECT_FALSE(r->config().open_stdin());
}

TEST(ParseVolumeTest, Forms) {
  auto m = ParseVolume("/data");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->type(), crate::v1::Mount::VOLUME);
  EXPECT_EQ(m->source(), "");
  EXPECT_EQ(m->destination(), "/data");
  m = ParseVolume("/data:ro");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->destination(), "/data");
  EXPECT_TRUE(m->read_only());
  m = ParseVolume("/src:/dst:rw,rshared,z");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->type(), crate::v1::Mount::BIND);
  EXPECT_FALSE(m->read_only());
  EXPECT_EQ(m->options(), "rshared");
}

TEST(ParseVolumeTest, Refusals) {
  EXPECT_THAT(std::string(ParseVolume("/src:dst:ro").status().message()),
              HasSubstr("'dst' is not an absolute path"));
  EXPECT_THAT(std::string(ParseVolume("/src:/").status().message()),
              HasSubstr("may not be '/'"));
  EXPECT_THAT(std::string(ParseVolume("./rel:/dst").status().message()),
              HasSubstr("invalid characters for a local volume name"));
  EXPECT_THAT(std::string(ParseVolume("/a:/b:bogus").status().message()),
              HasSubstr("invalid mode: bogus"));
  EXPECT_FALSE(ParseVolume("/a:/b:ro:x").ok());
}

TEST(ParseTmpfsTest, DestinationAndOptions) {
  auto m = ParseTmpfs("/run");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->destination(), "/run");
  EXPECT_EQ(m->options(), "");
  EXPECT_FALSE(ParseTmpfs("run:size=1m").ok());
}

}  // namespace
}  // namespace crate::cli
