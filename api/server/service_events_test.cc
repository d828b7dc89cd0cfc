#include "api/server/service_events.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/base/file_util.h"
#include "runtime/base/status_matchers.h"

namespace crate::server {
namespace {

TEST(ServiceEventsTest, ImageAndVolumeEventsAreJournaled) {
  ASSERT_OK_AND_ASSIGN(std::string root, MakeTempDir("service_events_test"));
  ASSERT_OK_AND_ASSIGN(auto journal,
                       engine::EventJournal::Open(JoinPath(root, "events")));
  TellImage(journal.get(), "tag", "sha256:feed", "busybox:x");
  TellVolume(journal.get(), "create", "data");
  TellImage(nullptr, "pull", "busybox", "busybox");  // no journal: nothing
  ASSERT_OK_AND_ASSIGN(std::vector<engine::Event> all, journal->Read());
  ASSERT_EQ(all.size(), 2u);
  crate::v1::Event tag = ToProto(all[0]);
  EXPECT_EQ(tag.type(), "image");
  EXPECT_EQ(tag.action(), "tag");
  EXPECT_EQ(tag.id(), "sha256:feed");
  EXPECT_EQ(tag.attributes().at("name"), "busybox:x");
  EXPECT_GT(tag.time_unix_nanos(), 0);
  crate::v1::Event vol = ToProto(all[1]);
  EXPECT_EQ(vol.type(), "volume");
  EXPECT_EQ(vol.id(), "data");
  EXPECT_EQ(vol.attributes().at("driver"), "local");
  ASSERT_OK(RemoveTree(root));
}

}  // namespace
}  // namespace crate::server
