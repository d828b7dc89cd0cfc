#include "api/server/system_service.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>

#include <memory>

#include "gtest/gtest.h"
#include "runtime/base/file_util.h"
#include "runtime/base/status_matchers.h"
#include "runtime/base/version.h"

namespace crate::server {
namespace {

// A real server on a real unix socket, called through a real channel.
TEST(SystemServiceTest, VersionOverUnixSocket) {
  ASSERT_OK_AND_ASSIGN(std::string dir, MakeTempDir("system_service_test"));
  std::string address = "unix:" + JoinPath(dir, "crate.sock");
  SystemService service;
  grpc::ServerBuilder builder;
  builder.AddListeningPort(address, grpc::InsecureServerCredentials());
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  ASSERT_NE(server, nullptr);

  auto stub = crate::v1::System::NewStub(
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  grpc::ClientContext ctx;
  crate::v1::VersionRequest req;
  crate::v1::VersionResponse resp;
  grpc::Status status = stub->Version(&ctx, req, &resp);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(resp.version(), kCrateVersion);
  EXPECT_EQ(resp.oci_runtime_spec(), kOciRuntimeSpecVersion);
  EXPECT_EQ(resp.api_version(), "v1");

  server->Shutdown();
  server->Wait();
  ASSERT_OK(RemoveTree(dir));
}

// Without an engine (a transport test), Info says it has nothing to tell.
TEST(SystemServiceTest, InfoWithoutAnEngineIsUnimplemented) {
  SystemService service;
  crate::v1::InfoResponse resp;
  EXPECT_EQ(service.Info(nullptr, nullptr, &resp).error_code(),
            grpc::StatusCode::UNIMPLEMENTED);
}

TEST(SystemServiceTest, DiskUsageWithoutAnEngineIsUnimplemented) {
  SystemService service;
  crate::v1::DiskUsageResponse resp;
  EXPECT_EQ(service.DiskUsage(nullptr, nullptr, &resp).error_code(),
            grpc::StatusCode::UNIMPLEMENTED);
}

}  // namespace
}  // namespace crate::server
