#include "registry/image/config.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "registry/image/testdata.h"
#include "runtime/base/status_matchers.h"

namespace crate::registry {
namespace {

using ::crate::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr char kCtx[] = "config of x:1";

TEST(ConfigTest, ParsesDockerHubAlpine) {
  ASSERT_OK_AND_ASSIGN(ImageConfig c,
                       ParseImageConfig(testdata::kAlpineConfig, kCtx));
  EXPECT_EQ(c.platform.ToString(), "linux/amd64");
  EXPECT_THAT(c.config.cmd, ElementsAre("/bin/sh"));
  EXPECT_TRUE(c.config.entrypoint.empty());
  EXPECT_THAT(c.config.env,
              ElementsAre("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/"
                          "bin:/sbin:/bin"));
  ASSERT_EQ(c.diff_ids.size(), 1u);
  EXPECT_EQ(c.diff_ids[0].hex().substr(0, 8), "d4fc045c");
  ASSERT_TRUE(c.created.has_value());
  EXPECT_EQ(
      absl::FormatTime("%Y-%m-%d %H:%M:%S", *c.created, absl::UTCTimeZone()),
      "2024-01-27 00:30:48");
  ASSERT_EQ(c.history.size(), 2u);
  EXPECT_TRUE(c.history[1].empty_layer);
}

TEST(ConfigTest, ParsesEveryField) {
  ASSERT_OK_AND_ASSIGN(ImageConfig c,
                       ParseImageConfig(testdata::kFullOciConfig, kCtx));
  EXPECT_EQ(c.platform.ToString(), "linux/arm64/v8");
  EXPECT_EQ(c.author, "Alyssa P. Hacker <alyspdev@example.com>");
  EXPECT_EQ(c.config.user, "alice");
  EXPECT_THAT(c.config.exposed_ports, ElementsAre("53/udp", "8080/tcp"));
  EXPECT_THAT(c.config.entrypoint, ElementsAre("/bin/my-app-binary"));
  EXPECT_THAT(c.config.cmd, ElementsAre("--foreground", "--config",
                                        "/etc/my-app.d/default.cfg"));
  EXPECT_THAT(c.config.volumes,
              ElementsAre("/var/job-result-data", "/var/log/my-app-logs"));
  EXPECT_EQ(c.config.working_dir, "/home/alice");
  EXPECT_EQ(c.config.labels.at("com.example.project.git.url"),
            "https://example.com/project.git");
  EXPECT_EQ(c.config.stop_signal, "SIGTERM");
  EXPECT_EQ(c.diff_ids.size(), 2u);
  EXPECT_EQ(c.history.size(), 3u);
}

TEST(ConfigTest, RefusesBadConfigs) {
  struct Case {
    std::string body, err;
  };
  const std::string rootfs =
      R"("rootfs":{"type":"layers","diff_ids":["sha256:)" +
      std::string(64, 'a') + R"("]})";
  for (
      const Case& c : std::vector<Case>{
          {"{", "malformed JSON"},
          {R"({"architecture":"amd64",)" + rootfs + "}", "os: missing"},
          {R"({"os":"linux",)" + rootfs + "}", "architecture: missing"},
          {R"({"os":"linux","architecture":"amd64"})", "rootfs: missing"},
          {R"({"os":"linux","architecture":"amd64","rootfs":{"type":"x","diff_ids":[]}})",
           "rootfs.type: expected \"layers\", got \"x\""},
          {R"({"os":"linux","architecture":"amd64","rootfs":{"type":"layers","diff_ids":["sha256:12"]}})",
           "rootfs.diff_ids[0]: invalid digest"},
          {R"({"os":"linux","architecture":"amd64","rootfs":{"type":"layers"}})",
           "rootfs.diff_ids: expected an array"},
          {R"({"os":"linux","architecture":"amd64","config":{"Env":"A=B"},)" +
               rootfs + "}",
           "config.Env: expected an array of strings"},
          {R"({"os":"linux","architecture":"amd64","config":{"Cmd":[1]},)" +
               rootfs + "}",
           "config.Cmd: expected an array of strings"},
          {R"({"os":"linux","architecture":"amd64","config":{"Labels":{"a":1}},)" +
               rootfs + "}",
           "config.Labels: expected an object of string values"},
          {R"({"os":"linux","architecture":"amd64","created":"yesterday",)" +
               rootfs + "}",
           "created: \"yesterday\" is not an RFC 3339 time"},
          {R"({"os":"linux","architecture":"amd64","history":[{"empty_layer":"yes"}],)" +
               rootfs + "}",
           "history[0].empty_layer: expected true or false"},
          {std::string(kMaxConfigSize + 1, ' '),
           "8388609 bytes is more than the config limit"},
      }) {
    SCOPED_TRACE(c.body.substr(0, 200));
    EXPECT_THAT(ParseImageConfig(c.body, kCtx),
                StatusIs(c.err.find("limit") != std::string::npos
                             ? absl::StatusCode::kResourceExhausted
                             : absl::StatusCode::kInvalidArgument,
                         HasSubstr(std::string(kCtx) + ": " + c.err)));
  }
}

TEST(ConfigTest, NullFieldsAreEmpty) {
  ASSERT_OK_AND_ASSIGN(
      ImageConfig c,
      ParseImageConfig(
          R"({"os":"linux","architecture":"amd64","config":null,"history":null,
              "rootfs":{"type":"layers","diff_ids":[]}})",
          kCtx));
  EXPECT_TRUE(c.config.cmd.empty());
  EXPECT_TRUE(c.diff_ids.empty());
  EXPECT_FALSE(c.created.has_value());
}

TEST(ConfigTest, ChainIdsFollowTheOciSpec) {
  Digest a = *Digest::Parse(
      "sha256:"
      "c6f988f4874bb0add23a778f753c65efe992244e148a1d2ec2a8b664fb66bbd1");
  Digest b = *Digest::Parse(
      "sha256:"
      "5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef");
  Digest c = Digest::Sha256Of("third");
  std::vector<Digest> ids = ChainIds({a, b, c});
  ASSERT_EQ(ids.size(), 3u);
  EXPECT_EQ(ids[0], a);
  EXPECT_EQ(ids[1], Digest::Sha256Of(a.ToString() + " " + b.ToString()));
  EXPECT_EQ(ids[2], Digest::Sha256Of(ids[1].ToString() + " " + c.ToString()));
  EXPECT_TRUE(ChainIds({}).empty());
}

TEST(ConfigTest, ManifestMustMatchConfig) {
  ASSERT_OK_AND_ASSIGN(Manifest m,
                       ParseManifest(testdata::kOciManifestNoMediaType, ""));
  ASSERT_OK_AND_ASSIGN(ImageConfig c,
                       ParseImageConfig(testdata::kFullOciConfig, ""));
  EXPECT_OK(CheckManifestMatchesConfig(m, c, "x"));
  m.layers.pop_back();
  EXPECT_THAT(CheckManifestMatchesConfig(m, c, "image x"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("image x: the manifest lists 1 layers but "
                                 "the config has 2 diff_ids")));
}

}  // namespace
}  // namespace crate::registry
