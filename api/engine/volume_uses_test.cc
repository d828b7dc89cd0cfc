#include "api/engine/volume_uses.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace crate::engine {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

ContainerRecord Record(const std::string& id, const std::string& name,
                       std::vector<VolumeUse> uses) {
  ContainerRecord r;
  r.id = id;
  r.name = name;
  SetVolumeUses(r, uses);
  return r;
}

TEST(VolumeUsesTest, RoundTripsThroughTheRecordsConfig) {
  ContainerRecord r = Record(
      "a1", "web", {{"db", "/var/lib/db", false}, {"0123abcd", "/data", true}});
  std::vector<VolumeUse> uses = VolumeUsesOf(r);
  ASSERT_EQ(uses.size(), 2u);
  EXPECT_EQ(uses[0].name, "db");
  EXPECT_EQ(uses[0].destination, "/var/lib/db");
  EXPECT_FALSE(uses[0].anonymous);
  EXPECT_EQ(uses[1].name, "0123abcd");
  EXPECT_TRUE(uses[1].anonymous);
  // What the store keeps: plain JSON beside the other create options.
  EXPECT_EQ(r.config["volumes"][0]["name"], "db");
}

TEST(VolumeUsesTest, ARecordWithoutVolumesUsesNone) {
  ContainerRecord r;
  EXPECT_THAT(VolumeUsesOf(r), IsEmpty());
  r.config["volumes"] = "db";  // not a list
  EXPECT_THAT(VolumeUsesOf(r), IsEmpty());
}

TEST(VolumeUsesTest, MalformedEntriesAreSkipped) {
  ContainerRecord r;
  r.config["volumes"] = nlohmann::json::parse(
      R"([7, {"destination": "/x"}, {"name": ""}, {"name": 3},
          {"name": "ok", "anonymous": "yes"}])");
  std::vector<VolumeUse> uses = VolumeUsesOf(r);
  ASSERT_EQ(uses.size(), 1u);
  EXPECT_EQ(uses[0].name, "ok");
  EXPECT_FALSE(uses[0].anonymous);
}

TEST(VolumeUsesTest, UsersAreTheContainersNamingTheVolume) {
  std::vector<ContainerRecord> all = {
      Record("id1", "web", {{"db", "/db", false}}),
      Record("id2", "worker", {{"cache", "/c", false}, {"db", "/db", false}}),
      Record("id3", "idle", {}),
  };
  EXPECT_THAT(VolumeUserNames(all, "db"), ElementsAre("web", "worker"));
  EXPECT_THAT(VolumeUserIds(all, "db"), ElementsAre("id1", "id2"));
  EXPECT_THAT(VolumeUserIds(all, "cache"), ElementsAre("id2"));
  EXPECT_THAT(VolumeUserIds(all, "d"), IsEmpty());  // names, not prefixes
  EXPECT_TRUE(UsesVolume(all[1], "cache"));
  EXPECT_FALSE(UsesVolume(all[2], "cache"));
}

}  // namespace
}  // namespace crate::engine
