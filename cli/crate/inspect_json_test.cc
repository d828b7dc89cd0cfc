#include "cli/crate/inspect_json.h"

#include "gtest/gtest.h"

namespace crate::cli {
namespace {

TEST(ContainerInspectJsonTest, DockersShape) {
  crate::v1::InspectContainerResponse r;
  crate::v1::ContainerSummary& s = *r.mutable_summary();
  s.set_id("abc");
  s.set_name("web");
  s.set_image("busybox");
  s.set_image_id("sha256:664d");
  s.add_command("sh");
  s.add_command("-c");
  s.add_command("exit 3");
  s.set_status(crate::v1::EXITED);
  s.set_exit_code(3);
  s.set_created_unix_nanos(1704207845000000000);
  r.set_log_path("/var/lib/crate/containers/abc/ctr.log");
  r.mutable_config()->set_tty(false);
  r.mutable_config()->add_env("A=1");
  r.mutable_config()->mutable_resources()->set_cpus(1.5);
  crate::v1::Mount* m = r.mutable_config()->add_mounts();
  m->set_type(crate::v1::Mount::BIND);
  m->set_source("/src");
  m->set_destination("/dst");
  m->set_read_only(true);

  Json j = ContainerInspectJson(r);
  EXPECT_EQ(j["Id"], "abc");
  EXPECT_EQ(j["Name"], "/web");
  EXPECT_EQ(j["Path"], "sh");
  EXPECT_EQ(j["Args"], Json::array({"-c", "exit 3"}));
  EXPECT_EQ(j["State"]["Status"], "exited");
  EXPECT_EQ(j["State"]["Running"], false);
  EXPECT_EQ(j["State"]["ExitCode"], 3);
  EXPECT_EQ(j["State"]["StartedAt"], "0001-01-01T00:00:00Z");
  EXPECT_EQ(j["Created"], "2024-01-02T15:04:05Z");
  EXPECT_EQ(j["Image"], "sha256:664d");
  EXPECT_EQ(j["Config"]["Image"], "busybox");
  EXPECT_EQ(j["Config"]["Env"], Json::array({"A=1"}));
  EXPECT_TRUE(j["Config"]["Cmd"].is_null());
  EXPECT_EQ(j["HostConfig"]["NanoCpus"], 1500000000);
  EXPECT_EQ(j["HostConfig"]["NetworkMode"], "private");
  EXPECT_EQ(j["Mounts"][0]["Type"], "bind");
  EXPECT_EQ(j["Mounts"][0]["RW"], false);
  EXPECT_EQ(j["LogPath"], "/var/lib/crate/containers/abc/ctr.log");
}

TEST(ImageInspectJsonTest, DockersShape) {
  crate::v1::InspectImageResponse r;
  r.mutable_summary()->set_id("sha256:664d");
  r.mutable_summary()->add_names("docker.io/library/busybox:latest");
  r.mutable_summary()->add_digests("docker.io/library/busybox@sha256:e740");
  r.mutable_summary()->set_size_bytes(1030000);
  (*r.mutable_summary()->mutable_labels())["k"] = "v";
  r.set_os("linux");
  r.set_architecture("amd64");
  r.add_cmd("sh");
  r.add_exposed_ports("80/tcp");
  r.add_layers("sha256:9b10");

  Json j = ImageInspectJson(r);
  EXPECT_EQ(j["Id"], "sha256:664d");
  EXPECT_EQ(j["RepoTags"], Json::array({"busybox:latest"}));
  EXPECT_EQ(j["RepoDigests"], Json::array({"busybox@sha256:e740"}));
  EXPECT_EQ(j["Os"], "linux");
  EXPECT_EQ(j["Architecture"], "amd64");
  EXPECT_EQ(j["Size"], 1030000);
  EXPECT_EQ(j["Config"]["Cmd"], Json::array({"sh"}));
  EXPECT_TRUE(j["Config"]["Entrypoint"].is_null());
  EXPECT_EQ(j["Config"]["ExposedPorts"], Json({{"80/tcp", Json::object()}}));
  EXPECT_EQ(j["Config"]["Labels"], Json({{"k", "v"}}));
  EXPECT_EQ(j["RootFS"]["Layers"], Json::array({"sha256:9b10"}));
}

}  // namespace
}  // namespace crate::cli
