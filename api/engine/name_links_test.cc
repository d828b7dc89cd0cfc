#include "api/engine/name_links.h"

#include <unistd.h>

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/base/file_util.h"
#include "runtime/base/status_matchers.h"

namespace crate::engine {
namespace {

using ::crate::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Pair;

const std::string kIdA = std::string(64, 'a');
const std::string kIdB = "b0" + std::string(62, 'b');

class NameLinksTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(dir_, MakeTempDir("name_links_test"));
  }
  void TearDown() override { ASSERT_OK(RemoveTree(dir_)); }

  std::string dir_;
};

TEST_F(NameLinksTest, ClaimIsExclusiveAndNamesTheHolder) {
  NameLinks names(dir_);
  ASSERT_OK(names.Claim("web", kIdA));
  EXPECT_THAT(names.Claim("web", kIdB),
              StatusIs(absl::StatusCode::kAlreadyExists,
                       HasSubstr("the container name \"web\" is already in "
                                 "use by container aaaaaaaaaaaa")));
  ASSERT_OK_AND_ASSIGN(std::string id, names.Lookup("web"));
  EXPECT_EQ(id, kIdA);
  EXPECT_THAT(names.Lookup("db"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("db")));
}

TEST_F(NameLinksTest, ReleaseOnlyWhatStillPointsAtTheOwner) {
  NameLinks names(dir_);
  ASSERT_OK(names.Claim("web", kIdA));
  ASSERT_OK(names.Release("web", kIdB));  // not B's: left alone
  ASSERT_OK_AND_ASSIGN(std::string id, names.Lookup("web"));
  EXPECT_EQ(id, kIdA);
  ASSERT_OK(names.Release("web", kIdA));
  EXPECT_THAT(names.Lookup("web"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("web")));
  ASSERT_OK(names.Release("web", kIdA));  // already gone: fine
  ASSERT_OK(names.Claim("web", kIdB));
}

TEST_F(NameLinksTest, ListAndReleaseIf) {
  NameLinks names(dir_);
  ASSERT_OK(names.Claim("web", kIdA));
  ASSERT_OK(names.Claim("db", kIdB));
  ASSERT_OK(WriteFileAtomic(JoinPath(dir_, "stray"), "x"));
  std::vector<absl::Status> problems;
  ASSERT_OK_AND_ASSIGN(auto links, names.List(&problems));
  EXPECT_THAT(links, ElementsAre(Pair("db", kIdB), Pair("web", kIdA)));
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_THAT(problems[0].message(), HasSubstr("stray"));

  problems.clear();
  ASSERT_OK_AND_ASSIGN(
      auto released,
      names.ReleaseIf([](const std::string&,
                         const std::string& target) { return target == kIdB; },
                      &problems));
  EXPECT_THAT(released, ElementsAre("db"));
  ASSERT_OK_AND_ASSIGN(links, names.List(&problems));
  EXPECT_THAT(links, ElementsAre(Pair("web", kIdA)));
}

TEST_F(NameLinksTest, ClaimInAMissingDirectoryFails) {
  NameLinks names(JoinPath(dir_, "missing"));
  EXPECT_THAT(names.Claim("web", kIdA),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("missing")));
  std::vector<absl::Status> problems;
  EXPECT_THAT(names.List(&problems),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("missing")));
  EXPECT_THAT(problems, IsEmpty());
}

}  // namespace
}  // namespace crate::engine
