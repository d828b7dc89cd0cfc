#include "api/engine/volume_store.h"

#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/clock.h"
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
using ::testing::MatchesRegex;
using ::testing::UnorderedElementsAre;

VolumeCreateOptions Named(const std::string& name) {
  VolumeCreateOptions o;
  o.name = name;
  return o;
}

// Users as the engine would answer: volume name -> containers.
VolumeUsersFn UsersFrom(std::map<std::string, std::vector<std::string>> m) {
  return [m](const VolumeRecord& v) {
    auto it = m.find(v.name);
    return it == m.end() ? std::vector<std::string>{} : it->second;
  };
}

class VolumeStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(root_, MakeTempDir("volume_store_test"));
    ASSERT_OK_AND_ASSIGN(VolumeStore s, VolumeStore::Open(root_));
    store_.emplace(std::move(s));
  }
  void TearDown() override { ASSERT_OK(RemoveTree(root_)); }

  VolumeStore& store() { return *store_; }
  std::vector<std::string> Entries() {
    return ListDir(JoinPath(root_, "volumes"))
        .value_or(std::vector<std::string>{});
  }

  std::string root_;
  std::optional<VolumeStore> store_;
};

TEST_F(VolumeStoreTest, CreateMakesRecordAndDataDirectory) {
  absl::Time before = absl::Now();
  VolumeCreateOptions o = Named("db");
  o.labels = {{"team", "data"}};
  o.options = {{"type", "tmpfs"}, {"device", "tmpfs"}, {"o", "size=64m"}};
  ASSERT_OK_AND_ASSIGN(VolumeRecord v, store().Create(o));
  EXPECT_EQ(v.name, "db");
  EXPECT_EQ(v.driver, "local");
  EXPECT_FALSE(v.anonymous);
  EXPECT_GE(v.created, before);
  EXPECT_EQ(v.mountpoint, JoinPath(root_, "volumes/db/_data"));
  EXPECT_EQ(store().Mountpoint("db"), v.mountpoint);
  struct stat st;
  ASSERT_EQ(::stat(v.mountpoint.c_str(), &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0755u);
  EXPECT_THAT(Entries(), ElementsAre("db"));  // nothing half-made beside it

  ASSERT_OK_AND_ASSIGN(VolumeRecord got, store().Get("db"));
  EXPECT_EQ(got.labels, o.labels);
  EXPECT_EQ(got.options, o.options);
  EXPECT_EQ(got.created, v.created);
  EXPECT_EQ(got.mountpoint, v.mountpoint);
}

TEST_F(VolumeStoreTest, ATakenNameIsAlreadyExistsAndKeepsTheData) {
  ASSERT_OK_AND_ASSIGN(VolumeRecord v, store().Create(Named("db")));
  ASSERT_OK(WriteFileAtomic(JoinPath(v.mountpoint, "table"), "rows"));
  EXPECT_THAT(store().Create(Named("db")),
              StatusIs(absl::StatusCode::kAlreadyExists,
                       HasSubstr("volume db already exists")));
  ASSERT_OK_AND_ASSIGN(std::string rows,
                       ReadFile(JoinPath(v.mountpoint, "table")));
  EXPECT_EQ(rows, "rows");
  EXPECT_THAT(Entries(), ElementsAre("db"));
}

TEST_F(VolumeStoreTest, ConcurrentCreatesOfOneNameMakeOneVolume) {
  constexpr int kThreads = 16;
  std::atomic<int> created{0}, exists{0}, other{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&] {
      absl::Status s = store().Create(Named("shared")).status();
      if (s.ok()) {
        ++created;
      } else if (absl::IsAlreadyExists(s)) {
        ++exists;
      } else {
        ++other;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(created.load(), 1);
  EXPECT_EQ(exists.load(), kThreads - 1);
  EXPECT_EQ(other.load(), 0);
  EXPECT_THAT(Entries(), ElementsAre("shared"));
}

TEST_F(VolumeStoreTest, AnonymousVolumesGetHexNames) {
  ASSERT_OK_AND_ASSIGN(VolumeRecord v, store().Create(Named("")));
  EXPECT_THAT(v.name, MatchesRegex("[0-9a-f]{64}"));
  EXPECT_TRUE(v.anonymous);
  ASSERT_OK_AND_ASSIGN(VolumeRecord got, store().Get(v.name));
  EXPECT_TRUE(got.anonymous);
}

TEST_F(VolumeStoreTest, BadNamesDriversAndOptionsAreRefused) {
  EXPECT_THAT(store().Create(Named("x")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("invalid volume name \"x\"")));
  EXPECT_THAT(store().Create(Named("../etc")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("invalid volume name")));
  VolumeCreateOptions nfs = Named("db");
  nfs.driver = "nfs";
  EXPECT_THAT(store().Create(nfs),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("volume driver \"nfs\" is not supported")));
  VolumeCreateOptions opt = Named("db");
  opt.options = {{"uid", "1000"}};
  EXPECT_THAT(store().Create(opt),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("invalid option \"uid\"")));
  VolumeCreateOptions local = Named("db");
  local.driver = "local";
  EXPECT_OK(store().Create(local));
  EXPECT_THAT(Entries(), ElementsAre("db"));
}

TEST_F(VolumeStoreTest, GetAndListReportWhatIsMissingOrDamaged) {
  EXPECT_THAT(store().Get("nope"), StatusIs(absl::StatusCode::kNotFound,
                                            HasSubstr("no such volume: nope")));
  EXPECT_THAT(store().Get("../containers"),
              StatusIs(absl::StatusCode::kNotFound, ::testing::_));
  ASSERT_OK(store().Create(Named("b-vol")));
  ASSERT_OK(store().Create(Named("a-vol")));
  ASSERT_OK(store().Create(Named("damaged")));
  ASSERT_OK(WriteFileAtomic(JoinPath(root_, "volumes/damaged/volume.json"),
                            "{\"name\": 3}"));
  ASSERT_OK(MakeDirs(JoinPath(root_, "volumes/empty-dir")));
  ASSERT_OK(MakeDirs(JoinPath(root_, "volumes/.creating-abc123")));

  ASSERT_OK_AND_ASSIGN(VolumeList list, store().List());
  std::vector<std::string> names;
  for (const VolumeRecord& v : list.volumes) names.push_back(v.name);
  EXPECT_THAT(names, ElementsAre("a-vol", "b-vol"));
  ASSERT_EQ(list.problems.size(), 2u);
  std::string all = std::string(list.problems[0].message()) + "\n" +
                    std::string(list.problems[1].message());
  EXPECT_THAT(all, HasSubstr("damaged/volume.json: field \"name\""));
  EXPECT_THAT(all, HasSubstr("empty-dir: the volume has no volume.json"));
  EXPECT_THAT(
      store().Get("empty-dir"),
      StatusIs(absl::StatusCode::kDataLoss, HasSubstr("has no volume.json")));
}

TEST_F(VolumeStoreTest, RemoveDeletesTheDataAndFreesTheName) {
  ASSERT_OK_AND_ASSIGN(VolumeRecord v, store().Create(Named("db")));
  ASSERT_OK(MakeDirs(JoinPath(v.mountpoint, "a/b")));
  ASSERT_OK(WriteFileAtomic(JoinPath(v.mountpoint, "a/b/f"), "x"));
  ASSERT_OK(store().Remove("db", /*force=*/false, UsersFrom({})));
  EXPECT_THAT(Entries(), IsEmpty());
  EXPECT_THAT(
      store().Remove("db", false, UsersFrom({})),
      StatusIs(absl::StatusCode::kNotFound, HasSubstr("no such volume: db")));
  EXPECT_OK(store().Create(Named("db")));
}

TEST_F(VolumeStoreTest, RemoveRefusesAVolumeInUseUnlessForced) {
  ASSERT_OK(store().Create(Named("db")));
  ASSERT_OK(store().Create(Named("logs")));
  VolumeUsersFn users = UsersFrom({{"db", {"web"}}, {"logs", {"a", "b"}}});
  EXPECT_THAT(store().Remove("db", false, users),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("volume db is in use by container web")));
  EXPECT_THAT(store().Remove("logs", false, users),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("volume logs is in use by containers a, b")));
  EXPECT_THAT(Entries(), UnorderedElementsAre("db", "logs"));
  ASSERT_OK(store().Remove("db", /*force=*/true, users));
  EXPECT_THAT(Entries(), ElementsAre("logs"));
}

TEST_F(VolumeStoreTest, ADamagedVolumeNeedsForce) {
  ASSERT_OK(store().Create(Named("db")));
  ASSERT_OK(WriteFileAtomic(JoinPath(root_, "volumes/db/volume.json"), "x"));
  EXPECT_THAT(
      store().Remove("db", false, UsersFrom({})),
      StatusIs(absl::StatusCode::kDataLoss,
               HasSubstr("removing volume db with force deletes it anyway")));
  ASSERT_OK(store().Remove("db", true, UsersFrom({})));
  EXPECT_THAT(Entries(), IsEmpty());
}

TEST_F(VolumeStoreTest, PruneRemovesUnusedAnonymousOrAll) {
  ASSERT_OK_AND_ASSIGN(VolumeRecord anon_used, store().Create(Named("")));
  ASSERT_OK_AND_ASSIGN(VolumeRecord anon_free, store().Create(Named("")));
  ASSERT_OK(store().Create(Named("named-used")));
  ASSERT_OK(store().Create(Named("named-free")));
  ASSERT_OK(WriteFileAtomic(JoinPath(anon_free.mountpoint, "f"),
                            std::string(4096, 'x')));
  VolumeUsersFn users =
      UsersFrom({{anon_used.name, {"c1"}}, {"named-used", {"c2"}}});

  ASSERT_OK_AND_ASSIGN(VolumePruneReport report,
                       store().Prune(/*all=*/false, users));
  EXPECT_THAT(report.removed, ElementsAre(anon_free.name));
  EXPECT_EQ(report.space_reclaimed, 4096u);
  EXPECT_THAT(report.problems, IsEmpty());

  ASSERT_OK_AND_ASSIGN(report, store().Prune(/*all=*/true, users));
  EXPECT_THAT(report.removed, ElementsAre("named-free"));
  EXPECT_THAT(Entries(), UnorderedElementsAre(anon_used.name, "named-used"));
}

TEST_F(VolumeStoreTest, RepairSweepsHalfMadeAndHalfRemovedVolumes) {
  ASSERT_OK(store().Create(Named("db")));
  std::string creating = JoinPath(root_, "volumes/.creating-Ab12Cd");
  std::string removing = JoinPath(root_, "volumes/.removing-0123");
  ASSERT_OK(MakeDirs(JoinPath(creating, "_data")));
  ASSERT_OK(MakeDirs(JoinPath(removing, "_data/x")));
  std::vector<absl::Status> problems;
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> removed,
                       store().Repair(&problems));
  EXPECT_THAT(removed, UnorderedElementsAre(creating, removing));
  EXPECT_THAT(problems, IsEmpty());
  EXPECT_THAT(Entries(), ElementsAre("db"));
}

}  // namespace
}  // namespace crate::engine
