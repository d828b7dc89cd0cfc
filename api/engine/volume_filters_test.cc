#include "api/engine/volume_filters.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/base/status_matchers.h"

namespace crate::engine {
namespace {

using ::crate::testing::StatusIs;
using ::testing::HasSubstr;

VolumeRecord Volume(const std::string& name,
                    std::map<std::string, std::string> labels = {}) {
  VolumeRecord v;
  v.name = name;
  v.labels = std::move(labels);
  return v;
}

bool Matches(std::vector<std::string> filters, const VolumeRecord& v,
             bool in_use, VolumeFilterUse use = VolumeFilterUse::kList) {
  absl::StatusOr<VolumeFilters> f = ParseVolumeFilters(filters, use);
  EXPECT_OK(f.status());
  return f.ok() && VolumeMatches(*f, v, in_use);
}

TEST(VolumeFiltersTest, NoFiltersMatchEverything) {
  EXPECT_TRUE(Matches({}, Volume("db"), true));
  EXPECT_TRUE(Matches({}, Volume("db"), false));
}

TEST(VolumeFiltersTest, Dangling) {
  EXPECT_TRUE(Matches({"dangling=true"}, Volume("db"), false));
  EXPECT_FALSE(Matches({"dangling=true"}, Volume("db"), true));
  EXPECT_TRUE(Matches({"dangling=0"}, Volume("db"), true));
  EXPECT_FALSE(Matches({"dangling=false"}, Volume("db"), false));
  EXPECT_THAT(ParseVolumeFilters({"dangling=maybe"}, VolumeFilterUse::kList),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("dangling=maybe")));
}

TEST(VolumeFiltersTest, NameIsASubstringAndAnyOfSeveral) {
  EXPECT_TRUE(Matches({"name=ata"}, Volume("data"), false));
  EXPECT_FALSE(Matches({"name=web"}, Volume("data"), false));
  EXPECT_TRUE(Matches({"name=web", "name=dat"}, Volume("data"), false));
}

TEST(VolumeFiltersTest, LabelsMustAllMatch) {
  VolumeRecord v = Volume("db", {{"tier", "back"}, {"keep", ""}});
  EXPECT_TRUE(Matches({"label=tier"}, v, false));
  EXPECT_TRUE(Matches({"label=tier=back", "label=keep"}, v, false));
  EXPECT_FALSE(Matches({"label=tier=front"}, v, false));
  EXPECT_FALSE(Matches({"label=tier", "label=other"}, v, false));
}

TEST(VolumeFiltersTest, Driver) {
  EXPECT_TRUE(Matches({"driver=local"}, Volume("db"), false));
  EXPECT_FALSE(Matches({"driver=nfs"}, Volume("db"), false));
}

TEST(VolumeFiltersTest, PruneTakesAllAndNegatedLabels) {
  absl::StatusOr<VolumeFilters> f =
      ParseVolumeFilters({"all=true", "label!=keep"}, VolumeFilterUse::kPrune);
  ASSERT_OK(f.status());
  EXPECT_TRUE(f->all);
  EXPECT_TRUE(VolumeMatches(*f, Volume("a"), false));
  EXPECT_FALSE(VolumeMatches(*f, Volume("b", {{"keep", "1"}}), false));
  EXPECT_FALSE(ParseVolumeFilters({}, VolumeFilterUse::kPrune)->all);
}

TEST(VolumeFiltersTest, EachUseRefusesTheOthersKeys) {
  EXPECT_THAT(ParseVolumeFilters({"all=true"}, VolumeFilterUse::kList),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("invalid filter 'all'")));
  EXPECT_THAT(ParseVolumeFilters({"dangling=true"}, VolumeFilterUse::kPrune),
              StatusIs(absl::StatusCode::kInvalidArgument, ::testing::_));
  EXPECT_THAT(ParseVolumeFilters({"colour=red"}, VolumeFilterUse::kList),
              StatusIs(absl::StatusCode::kInvalidArgument, ::testing::_));
  EXPECT_THAT(
      ParseVolumeFilters({"name"}, VolumeFilterUse::kList),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("bad format")));
}

}  // namespace
}  // namespace crate::engine
