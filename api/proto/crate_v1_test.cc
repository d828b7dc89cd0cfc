#include "api/proto/crate/v1/containers.grpc.pb.h"
#include "api/proto/crate/v1/images.grpc.pb.h"
#include "api/proto/crate/v1/system.grpc.pb.h"
#include "api/proto/crate/v1/volumes.grpc.pb.h"
#include "api/proto/crate/v1/system.pb.h"
#include "gtest/gtest.h"

namespace crate::v1 {
namespace {

TEST(CrateV1ProtoTest, VersionResponseRoundTripsThroughWireFormat) {
  VersionResponse in;
  in.set_version("0.1.0");
  in.set_oci_runtime_spec("1.1.0");
  in.set_api_version("v1");
  std::string wire;
  ASSERT_TRUE(in.SerializeToString(&wire));
  VersionResponse out;
  ASSERT_TRUE(out.ParseFromString(wire));
  EXPECT_EQ(out.version(), "0.1.0");
  EXPECT_EQ(out.oci_runtime_spec(), "1.1.0");
  EXPECT_EQ(out.api_version(), "v1");
}

TEST(CrateV1ProtoTest, ServicesAreDeclaredUnderVersionedPackage) {
  EXPECT_STREQ(System::service_full_name(), "crate.v1.System");
  EXPECT_STREQ(Containers::service_full_name(), "crate.v1.Containers");
  EXPECT_STREQ(Images::service_full_name(), "crate.v1.Images");
  EXPECT_STREQ(Volumes::service_full_name(), "crate.v1.Volumes");
}

// Exec's first message carries the settings, later ones stdin: the oneof
// keeps them apart on the wire.
TEST(CrateV1ProtoTest, StreamFramesKeepTheirKind) {
  ExecRequest start;
  start.mutable_start()->set_container("web");
  start.mutable_start()->add_cmd("sh");
  ExecRequest input;
  input.set_stdin("ls\n");
  std::string wire;
  ASSERT_TRUE(input.SerializeToString(&wire));
  ExecRequest out;
  ASSERT_TRUE(out.ParseFromString(wire));
  EXPECT_EQ(out.what_case(), ExecRequest::kStdin);
  EXPECT_EQ(out.stdin(), "ls\n");
  EXPECT_EQ(start.what_case(), ExecRequest::kStart);
}

}  // namespace
}  // namespace crate::v1
