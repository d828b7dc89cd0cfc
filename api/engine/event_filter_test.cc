#include "api/engine/event_filter.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/base/status_matchers.h"

namespace crate::engine {
namespace {

using ::crate::testing::StatusIs;
using ::testing::HasSubstr;

Event Container(const std::string& action) {
  Event e;
  e.type = "container";
  e.action = action;
  e.id = "0123456789abcdef";
  e.name = "web";
  e.attributes = {
      {"image", "busybox:latest"}, {"name", "web"}, {"tier", "front"}};
  return e;
}

Event Image(const std::string& action) {
  Event e;
  e.type = "image";
  e.action = action;
  e.id = "sha256:feed";
  e.name = "busybox:latest";
  e.attributes = {{"name", "busybox:latest"}};
  return e;
}

bool Matches(const std::vector<std::string>& filters, const Event& e) {
  absl::StatusOr<EventFilter> f = ParseEventFilters(filters);
  EXPECT_OK(f.status());
  return f.ok() && MatchesEventFilter(*f, e);
}

TEST(EventFilterTest, NoFilterMatchesEverything) {
  EXPECT_TRUE(Matches({}, Container("start")));
  EXPECT_TRUE(Matches({}, Image("pull")));
}

TEST(EventFilterTest, TypeAndEvent) {
  EXPECT_TRUE(Matches({"type=container"}, Container("start")));
  EXPECT_FALSE(Matches({"type=container"}, Image("pull")));
  EXPECT_TRUE(Matches({"event=start", "event=die"}, Container("die")));
  EXPECT_FALSE(Matches({"event=start"}, Container("die")));
  EXPECT_FALSE(Matches({"type=image", "event=die"}, Container("die")));
}

TEST(EventFilterTest, ContainerByNameIdOrPrefix) {
  EXPECT_TRUE(Matches({"container=web"}, Container("start")));
  EXPECT_TRUE(Matches({"container=0123456789abcdef"}, Container("start")));
  EXPECT_TRUE(Matches({"container=0123"}, Container("start")));
  EXPECT_FALSE(Matches({"container=db"}, Container("start")));
  EXPECT_FALSE(Matches({"container=we"}, Container("start")));
  EXPECT_FALSE(Matches({"container=web"}, Image("pull")));
}

TEST(EventFilterTest, ImageWithOrWithoutTag) {
  EXPECT_TRUE(Matches({"image=busybox"}, Container("start")));
  EXPECT_TRUE(Matches({"image=busybox:latest"}, Container("start")));
  EXPECT_FALSE(Matches({"image=alpine"}, Container("start")));
  EXPECT_TRUE(Matches({"image=busybox"}, Image("pull")));
  EXPECT_TRUE(Matches({"image=sha256:feed"}, Image("tag")));
}

TEST(EventFilterTest, Labels) {
  EXPECT_TRUE(Matches({"label=tier"}, Container("start")));
  EXPECT_TRUE(Matches({"label=tier=front"}, Container("start")));
  EXPECT_FALSE(Matches({"label=tier=back"}, Container("start")));
  EXPECT_FALSE(Matches({"label=other"}, Container("start")));
}

TEST(EventFilterTest, Volumes) {
  Event v;
  v.type = "volume";
  v.action = "create";
  v.id = "data";
  EXPECT_TRUE(Matches({"volume=data"}, v));
  EXPECT_FALSE(Matches({"volume=dat"}, v));
  EXPECT_FALSE(Matches({"volume=data"}, Container("start")));
}

TEST(EventFilterTest, RefusesBadFilters) {
  EXPECT_THAT(ParseEventFilters({"nonsense"}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("expected name=value")));
  EXPECT_THAT(ParseEventFilters({"colour=red"}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("invalid filter \"colour\"")));
  EXPECT_THAT(
      ParseEventFilters({"type=network"}),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("type=network")));
  EXPECT_THAT(ParseEventFilters({"=x"}),
              StatusIs(absl::StatusCode::kInvalidArgument, ::testing::_));
  EXPECT_THAT(
      ParseEventFilters({"event="}),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("no value")));
}

}  // namespace
}  // namespace crate::engine
