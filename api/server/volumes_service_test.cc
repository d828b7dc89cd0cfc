#include "api/server/volumes_service.h"

#include <optional>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/base/file_util.h"
#include "runtime/base/status_matchers.h"

namespace crate::server {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

class VolumesServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(root_, MakeTempDir("volumes_service_test"));
    ASSERT_OK_AND_ASSIGN(engine::ContainerStore c,
                         engine::ContainerStore::Open(root_));
    containers_.emplace(std::move(c));
    ASSERT_OK_AND_ASSIGN(engine::VolumeStore v,
                         engine::VolumeStore::Open(root_));
    volumes_.emplace(std::move(v), &*containers_);
    service_.emplace(&*volumes_);
  }
  void TearDown() override { ASSERT_OK(RemoveTree(root_)); }

  std::string root_;
  std::optional<engine::ContainerStore> containers_;
  std::optional<engine::Volumes> volumes_;
  std::optional<VolumesService> service_;
  grpc::ServerContext ctx_;
};

TEST_F(VolumesServiceTest, CreateInspectListRemove) {
  crate::v1::CreateVolumeRequest create;
  create.set_name("db");
  (*create.mutable_labels())["tier"] = "back";
  crate::v1::Volume made;
  ASSERT_TRUE(service_->Create(&ctx_, &create, &made).ok());
  EXPECT_EQ(made.name(), "db");
  EXPECT_EQ(made.driver(), "local");
  EXPECT_EQ(made.mountpoint(), JoinPath(root_, "volumes/db/_data"));
  EXPECT_GT(made.created_unix_nanos(), 0);
  EXPECT_FALSE(made.anonymous());

  crate::v1::InspectVolumeRequest inspect;
  inspect.set_name("db");
  crate::v1::Volume seen;
  ASSERT_TRUE(service_->Inspect(&ctx_, &inspect, &seen).ok());
  EXPECT_EQ(seen.labels().at("tier"), "back");

  crate::v1::ListVolumesRequest list;
  list.add_filters("label=tier=back");
  crate::v1::ListVolumesResponse listed;
  ASSERT_TRUE(service_->List(&ctx_, &list, &listed).ok());
  ASSERT_EQ(listed.volumes_size(), 1);

  crate::v1::RemoveVolumeRequest rm;
  rm.set_name("db");
  crate::v1::RemoveVolumeResponse removed;
  ASSERT_TRUE(service_->Remove(&ctx_, &rm, &removed).ok());
  grpc::Status again = service_->Remove(&ctx_, &rm, &removed);
  EXPECT_EQ(again.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(again.error_message(), HasSubstr("no such volume: db"));
}

TEST_F(VolumesServiceTest, ErrorsKeepTheirKind) {
  crate::v1::CreateVolumeRequest create;
  create.set_name("a/b");
  crate::v1::Volume made;
  grpc::Status s = service_->Create(&ctx_, &create, &made);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  create.set_name("ok");
  create.set_driver("nfs");
  EXPECT_EQ(service_->Create(&ctx_, &create, &made).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  crate::v1::ListVolumesRequest list;
  list.add_filters("nope=1");
  crate::v1::ListVolumesResponse listed;
  EXPECT_EQ(service_->List(&ctx_, &list, &listed).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(VolumesServiceTest, PruneKeepsNamedVolumesUnlessAll) {
  crate::v1::CreateVolumeRequest create;
  create.set_name("named");
  crate::v1::Volume made;
  ASSERT_TRUE(service_->Create(&ctx_, &create, &made).ok());
  crate::v1::PruneVolumesRequest prune;
  crate::v1::PruneVolumesResponse pruned;
  ASSERT_TRUE(service_->Prune(&ctx_, &prune, &pruned).ok());
  EXPECT_EQ(pruned.removed_size(), 0);
  prune.add_filters("all=true");
  ASSERT_TRUE(service_->Prune(&ctx_, &prune, &pruned).ok());
  EXPECT_THAT(pruned.removed(), ElementsAre("named"));
}

}  // namespace
}  // namespace crate::server
