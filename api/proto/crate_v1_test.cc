#include "api/proto/crate/v1/system.grpc.pb.h"
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

TEST(CrateV1ProtoTest, ServiceIsDeclaredUnderVersionedPackage) {
  EXPECT_STREQ(System::service_full_name(), "crate.v1.System");
}

}  // namespace
}  // namespace crate::v1
