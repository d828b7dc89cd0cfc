#include "api/engine/container_store.h"

#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "api/engine/ids.h"
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

ContainerRecord Named(const std::string& name) {
  ContainerRecord r;
  r.name = name;
  r.image = "alpine";
  r.image_id = "sha256:" + std::string(64, '1');
  r.labels = {{"app", name}};
  r.config = {{"cmd", {"sleep", "1"}}};
  return r;
}

class ContainerStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(root_, MakeTempDir("container_store_test"));
    ASSERT_OK_AND_ASSIGN(ContainerStore s, ContainerStore::Open(root_));
    store_.emplace(std::move(s));
  }
  void TearDown() override { ASSERT_OK(RemoveTree(root_)); }

  ContainerStore& store() { return *store_; }
  std::string NameLink(const std::string& name) {
    return JoinPath(root_, "names/" + name);
  }
  std::string Target(const std::string& name) {
    char buf[256];
    ssize_t n = ::readlink(NameLink(name).c_str(), buf, sizeof(buf));
    return n < 0 ? "" : std::string(buf, n);
  }
  std::vector<std::string> Entries(const std::string& sub) {
    return ListDir(JoinPath(root_, sub)).value_or(std::vector<std::string>{});
  }

  std::string root_;
  std::optional<ContainerStore> store_;
};

TEST_F(ContainerStoreTest, OpenMakesPrivateDirectories) {
  for (const char* sub : {"containers", "names"}) {
    struct stat st;
    ASSERT_EQ(::stat(JoinPath(root_, sub).c_str(), &st), 0) << sub;
    EXPECT_EQ(st.st_mode & 0777, 0700u) << sub;
  }
}

TEST_F(ContainerStoreTest, CreateWritesTheRecordThenClaimsTheName) {
  absl::Time before = absl::Now();
  ASSERT_OK_AND_ASSIGN(ContainerRecord r, store().Create(Named("web")));
  EXPECT_TRUE(IsFullId(r.id)) << r.id;
  EXPECT_EQ(r.name, "web");
  EXPECT_EQ(r.state, ContainerState::kCreating);
  EXPECT_GE(r.created, before);
  EXPECT_EQ(Target("web"), r.id);
  std::string path = JoinPath(store().ContainerDir(r.id), "container.json");
  struct stat st;
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);  // the options may hold secrets

  ASSERT_OK_AND_ASSIGN(ContainerRecord got, store().Get(r.id));
  EXPECT_EQ(got.name, "web");
  EXPECT_EQ(got.image, "alpine");
  EXPECT_EQ(got.labels, r.labels);
  EXPECT_EQ(got.config, r.config);
  EXPECT_EQ(got.created, r.created);
  // Nothing half-made is left beside it.
  EXPECT_THAT(Entries("containers"), ElementsAre(r.id));
  EXPECT_THAT(Entries(JoinPath("containers", r.id)),
              ElementsAre("container.json"));
}

TEST_F(ContainerStoreTest, CreateKeepsAGivenIdAndCreationTime) {
  ContainerRecord in = Named("db");
  in.id = std::string(64, 'e');
  in.created = absl::FromUnixSeconds(1700000000);
  in.state = ContainerState::kRunning;  // a new record is always creating
  ASSERT_OK_AND_ASSIGN(ContainerRecord r, store().Create(in));
  EXPECT_EQ(r.id, in.id);
  EXPECT_EQ(r.created, in.created);
  EXPECT_EQ(r.state, ContainerState::kCreating);
  ContainerRecord again = Named("db2");
  again.id = in.id;
  EXPECT_THAT(store().Create(again),
              StatusIs(absl::StatusCode::kAlreadyExists,
                       HasSubstr("container ID " + in.id)));
  EXPECT_THAT(Target("db2"), IsEmpty());
  ContainerRecord bad = Named("x");
  bad.id = "XYZ";
  EXPECT_THAT(store().Create(bad),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("invalid container ID \"XYZ\"")));
}

TEST_F(ContainerStoreTest, EmptyNameGetsADockerLikeName) {
  ASSERT_OK_AND_ASSIGN(ContainerRecord r, store().Create(Named("")));
  EXPECT_THAT(r.name, MatchesRegex("[a-z]+_[a-z]+[0-9]?"));
  EXPECT_EQ(Target(r.name), r.id);
  ASSERT_OK_AND_ASSIGN(ContainerRecord got, store().Get(r.id));
  EXPECT_EQ(got.name, r.name);
}

TEST_F(ContainerStoreTest, GeneratedNamesStepAroundTakenOnes) {
  // More containers than a first pick can avoid colliding among.
  std::set<std::string> names;
  for (int i = 0; i < 300; ++i) {
    ASSERT_OK_AND_ASSIGN(ContainerRecord r, store().Create(Named("")));
    EXPECT_TRUE(names.insert(r.name).second) << r.name;
    EXPECT_EQ(Target(r.name), r.id);
  }
}

TEST_F(ContainerStoreTest, InvalidNameIsRefusedBeforeAnythingIsWritten) {
  EXPECT_THAT(store().Create(Named("-web")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("invalid container name \"-web\": only "
                                 "[a-zA-Z0-9][a-zA-Z0-9_.-] are allowed")));
  EXPECT_THAT(Entries("containers"), IsEmpty());
  EXPECT_THAT(Entries("names"), IsEmpty());
}

TEST_F(ContainerStoreTest, TakenNameIsAlreadyExistsAndLeavesNothing) {
  ASSERT_OK_AND_ASSIGN(ContainerRecord first, store().Create(Named("web")));
  EXPECT_THAT(store().Create(Named("web")),
              StatusIs(absl::StatusCode::kAlreadyExists,
                       HasSubstr(absl::StrCat(
                           "the container name \"web\" is already in use by "
                           "container ",
                           first.id.substr(0, 12)))));
  EXPECT_THAT(Entries("containers"), ElementsAre(first.id));
  EXPECT_EQ(Target("web"), first.id);
}

TEST_F(ContainerStoreTest, NonUtf8LabelIsRefusedBeforeAnythingIsWritten) {
  ContainerRecord r = Named("web");
  r.labels["x"] = "\xc3";
  EXPECT_THAT(store().Create(r),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("UTF-8")));
  EXPECT_THAT(Entries("containers"), IsEmpty());
}

TEST_F(ContainerStoreTest, GetUnknownIsNotFound) {
  std::string id(64, 'f');
  EXPECT_THAT(store().Get(id), StatusIs(absl::StatusCode::kNotFound,
                                        HasSubstr("no such container: " + id)));
  EXPECT_THAT(store().Get("../names"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("64 lowercase hex")));
}

TEST_F(ContainerStoreTest, UpdateWritesWhatTheMutatorChanged) {
  ASSERT_OK_AND_ASSIGN(ContainerRecord r, store().Create(Named("web")));
  ASSERT_OK_AND_ASSIGN(ContainerRecord updated,
                       store().Update(r.id, [](ContainerRecord& c) {
                         c.state = ContainerState::kCreated;
                         c.shim_pid = 100;
                         c.shim_start_time = 12345;
                         c.init_pid = 101;
                         return absl::OkStatus();
                       }));
  EXPECT_EQ(updated.state, ContainerState::kCreated);
  ASSERT_OK_AND_ASSIGN(ContainerRecord got, store().Get(r.id));
  EXPECT_EQ(got.state, ContainerState::kCreated);
  EXPECT_EQ(got.shim_pid, 100);
  EXPECT_EQ(got.shim_start_time, 12345u);
  EXPECT_EQ(got.init_pid, 101);
  // Only the record is in the directory: no temporary file stays.
  EXPECT_THAT(Entries(JoinPath("containers", r.id)),
              ElementsAre("container.json"));
}

TEST_F(ContainerStoreTest, UpdateErrorsWriteNothing) {
  ASSERT_OK_AND_ASSIGN(ContainerRecord r, store().Create(Named("web")));
  EXPECT_THAT(store().Update(r.id,
                             [](ContainerRecord& c) {
                               c.restart_count = 9;
                               return absl::FailedPreconditionError(
                                   "container web is running");
                             }),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("web is running")));
  EXPECT_THAT(store().Update(r.id,
                             [](ContainerRecord& c) {
                               c.name = "other";
                               return absl::OkStatus();
                             }),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("rename it instead")));
  ASSERT_OK_AND_ASSIGN(ContainerRecord got, store().Get(r.id));
  EXPECT_EQ(got.restart_count, 0);
  EXPECT_EQ(got.name, "web");
  EXPECT_THAT(
      store().Update(std::string(64, 'f'),
                     [](ContainerRecord&) { return absl::OkStatus(); }),
      StatusIs(absl::StatusCode::kNotFound, HasSubstr("no such container")));
}

TEST_F(ContainerStoreTest, ConcurrentUpdatesLoseNothing) {
  ASSERT_OK_AND_ASSIGN(ContainerRecord r, store().Create(Named("web")));
  constexpr int kWorkers = 8, kEach = 25;
  std::vector<std::thread> workers;
  for (int w = 0; w < kWorkers; ++w) {
    workers.emplace_back([&] {
      for (int i = 0; i < kEach; ++i) {
        EXPECT_OK(store().Update(r.id, [](ContainerRecord& c) {
          ++c.restart_count;
          return absl::OkStatus();
        }));
      }
    });
  }
  for (std::thread& t : workers) t.join();
  ASSERT_OK_AND_ASSIGN(ContainerRecord got, store().Get(r.id));
  EXPECT_EQ(got.restart_count, kWorkers * kEach);
}

TEST_F(ContainerStoreTest, ResolveByNameIdAndPrefix) {
  ContainerRecord a = Named("web");
  a.id = "abc1" + std::string(60, '0');
  ContainerRecord b = Named("db");
  b.id = "abc2" + std::string(60, '0');
  // A name that looks like an ID prefix wins over the prefix.
  ContainerRecord c = Named("abc1");
  c.id = "def0" + std::string(60, '0');
  ASSERT_OK(store().Create(a));
  ASSERT_OK(store().Create(b));
  ASSERT_OK(store().Create(c));

  auto resolved_id = [&](const std::string& ref) -> std::string {
    absl::StatusOr<ContainerRecord> r = store().Resolve(ref);
    return r.ok() ? r->id : std::string(r.status().message());
  };
  EXPECT_EQ(resolved_id("web"), a.id);
  EXPECT_EQ(resolved_id("db"), b.id);
  EXPECT_EQ(resolved_id(a.id), a.id);
  EXPECT_EQ(resolved_id("abc2"), b.id);
  EXPECT_EQ(resolved_id("abc1"), c.id);  // the name, not a's prefix
  EXPECT_EQ(resolved_id("d"), c.id);
  EXPECT_THAT(store().Resolve("abc"),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("container prefix \"abc\" is ambiguous "
                                 "(matches 2 containers)")));
  EXPECT_THAT(store().Resolve("nope"),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr("no such container: nope")));
  EXPECT_THAT(store().Resolve("ffff"),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr("no such container: ffff")));
  EXPECT_THAT(store().Resolve(std::string(64, 'f')),
              StatusIs(absl::StatusCode::kNotFound, ::testing::_));
  EXPECT_THAT(store().Resolve(""),
              StatusIs(absl::StatusCode::kInvalidArgument, ::testing::_));
  EXPECT_THAT(store().Resolve("../../etc"),
              StatusIs(absl::StatusCode::kNotFound, ::testing::_));
}

TEST_F(ContainerStoreTest, ListIsNewestFirstAndReportsDamage) {
  ContainerRecord old = Named("old");
  old.created = absl::FromUnixSeconds(1000);
  ContainerRecord mid = Named("mid");
  mid.created = absl::FromUnixSeconds(2000);
  ContainerRecord young = Named("young");
  young.created = absl::FromUnixSeconds(3000);
  ASSERT_OK(store().Create(mid));
  ASSERT_OK(store().Create(young));
  ASSERT_OK_AND_ASSIGN(ContainerRecord o, store().Create(old));
  ASSERT_OK_AND_ASSIGN(ContainerRecord damaged, store().Create(Named("bad")));
  ASSERT_OK(WriteFileAtomic(
      JoinPath(store().ContainerDir(damaged.id), "container.json"), "{oops"));
  ASSERT_OK(MakeDirs(JoinPath(root_, "containers/not-an-id")));

  ASSERT_OK_AND_ASSIGN(ContainerList list, store().List());
  std::vector<std::string> names;
  for (const ContainerRecord& r : list.records) names.push_back(r.name);
  EXPECT_THAT(names, ElementsAre("young", "mid", "old"));
  ASSERT_EQ(list.problems.size(), 2u);
  std::string all = absl::StrCat(list.problems[0].message(), "\n",
                                 list.problems[1].message());
  EXPECT_THAT(all, HasSubstr(damaged.id + "/container.json: not valid JSON"));
  EXPECT_THAT(all, HasSubstr("not-an-id: not a container ID"));
  // The damaged one still resolves to an error that names its file.
  EXPECT_THAT(store().Resolve("bad"),
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr(damaged.id + "/container.json")));
  EXPECT_OK(store().Get(o.id));
}

TEST_F(ContainerStoreTest, RecordInTheWrongDirectoryIsReported) {
  ASSERT_OK_AND_ASSIGN(ContainerRecord a, store().Create(Named("a1")));
  ASSERT_OK_AND_ASSIGN(ContainerRecord b, store().Create(Named("b1")));
  ASSERT_OK_AND_ASSIGN(
      std::string text,
      ReadFile(JoinPath(store().ContainerDir(a.id), "container.json")));
  ASSERT_OK(WriteFileAtomic(
      JoinPath(store().ContainerDir(b.id), "container.json"), text));
  EXPECT_THAT(store().Get(b.id),
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr("is not the ID of its directory")));
}

TEST_F(ContainerStoreTest, RemoveReleasesTheNameThenTheDirectory) {
  ASSERT_OK_AND_ASSIGN(ContainerRecord r, store().Create(Named("web")));
  ASSERT_OK(MakeDirs(JoinPath(store().ContainerDir(r.id), "rootfs/etc")));
  ASSERT_OK(store().Remove(r.id));
  EXPECT_THAT(Entries("containers"), IsEmpty());
  EXPECT_THAT(Entries("names"), IsEmpty());
  EXPECT_THAT(store().Get(r.id),
              StatusIs(absl::StatusCode::kNotFound, ::testing::_));
  EXPECT_THAT(store().Remove(r.id),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr("no such container: " + r.id)));
  // The name is free again.
  EXPECT_OK(store().Create(Named("web")));
}

TEST_F(ContainerStoreTest, RemoveLeavesANameThatIsNoLongerItsOwn) {
  ASSERT_OK_AND_ASSIGN(ContainerRecord a, store().Create(Named("web")));
  ASSERT_OK_AND_ASSIGN(ContainerRecord b, store().Create(Named("db")));
  // As if a crashed rename had left a's record saying "db".
  ASSERT_OK_AND_ASSIGN(
      std::string text,
      ReadFile(JoinPath(store().ContainerDir(a.id), "container.json")));
  absl::StrReplaceAll({{"\"web\"", "\"db\""}}, &text);
  ASSERT_OK(WriteFileAtomic(
      JoinPath(store().ContainerDir(a.id), "container.json"), text));
  ASSERT_OK(store().Remove(a.id));
  EXPECT_EQ(Target("db"), b.id);
  // Its own "web" is left for Repair, which finds its directory gone.
  EXPECT_EQ(Target("web"), a.id);
  ASSERT_OK_AND_ASSIGN(auto stale, store().ListNamesWithoutContainer());
  EXPECT_THAT(stale, ElementsAre("web"));
}

TEST_F(ContainerStoreTest, RemoveWithADamagedRecordReleasesItsNames) {
  ASSERT_OK_AND_ASSIGN(ContainerRecord r, store().Create(Named("web")));
  ASSERT_OK(WriteFileAtomic(
      JoinPath(store().ContainerDir(r.id), "container.json"), ""));
  ASSERT_OK(store().Remove(r.id));
  EXPECT_THAT(Entries("names"), IsEmpty());
  EXPECT_THAT(Entries("containers"), IsEmpty());
}

TEST_F(ContainerStoreTest, RemoveInterruptedIsFinishedByTheNextRemove) {
  ASSERT_OK_AND_ASSIGN(ContainerRecord r, store().Create(Named("web")));
  // A first Remove that released the name and renamed the directory away
  // but could not delete it all.
  std::string away = JoinPath(root_, "containers/.removing-" + r.id);
  ASSERT_EQ(::unlink(NameLink("web").c_str()), 0);
  ASSERT_EQ(::rename(store().ContainerDir(r.id).c_str(), away.c_str()), 0);
  EXPECT_THAT(store().Get(r.id),
              StatusIs(absl::StatusCode::kNotFound, ::testing::_));
  ASSERT_OK(store().Remove(r.id));
  EXPECT_FALSE(PathExists(away));
  EXPECT_THAT(store().Remove(r.id),
              StatusIs(absl::StatusCode::kNotFound, ::testing::_));
}

TEST_F(ContainerStoreTest, RenameClaimsNewThenReleasesOld) {
  ASSERT_OK_AND_ASSIGN(ContainerRecord r, store().Create(Named("web")));
  ASSERT_OK_AND_ASSIGN(ContainerRecord other, store().Create(Named("db")));
  ASSERT_OK_AND_ASSIGN(ContainerRecord renamed, store().Rename(r.id, "shop"));
  EXPECT_EQ(renamed.name, "shop");
  EXPECT_EQ(Target("shop"), r.id);
  EXPECT_THAT(Target("web"), IsEmpty());
  ASSERT_OK_AND_ASSIGN(ContainerRecord got, store().Resolve("shop"));
  EXPECT_EQ(got.id, r.id);
  EXPECT_EQ(got.name, "shop");

  EXPECT_THAT(store().Rename(r.id, "db"),
              StatusIs(absl::StatusCode::kAlreadyExists,
                       HasSubstr("already in use by container " +
                                 other.id.substr(0, 12))));
  EXPECT_EQ(Target("shop"), r.id);  // unchanged by the refusal
  EXPECT_THAT(store().Rename(r.id, "bad name"),
              StatusIs(absl::StatusCode::kInvalidArgument, ::testing::_));
  ASSERT_OK_AND_ASSIGN(ContainerRecord same, store().Rename(r.id, "shop"));
  EXPECT_EQ(same.name, "shop");
  EXPECT_THAT(store().Rename(std::string(64, 'f'), "x"),
              StatusIs(absl::StatusCode::kNotFound, ::testing::_));
  EXPECT_THAT(Entries("names"), UnorderedElementsAre("shop", "db"));
}

// Crashes: each case builds, by hand, what a crash between two steps
// leaves, and checks what List, Resolve and Repair make of it.

TEST_F(ContainerStoreTest, CrashBeforeTheNameClaimLeavesAnUnnamedRecord) {
  // A Create that wrote its directory and record and died before symlink.
  ASSERT_OK_AND_ASSIGN(ContainerRecord claimed, store().Create(Named("web")));
  ContainerRecord orphan = Named("web");
  ASSERT_OK_AND_ASSIGN(orphan.id, NewId());
  orphan.created = absl::Now();
  std::string dir = store().ContainerDir(orphan.id);
  ASSERT_OK(MakeDirs(dir));
  ASSERT_OK_AND_ASSIGN(std::string text, SerializeContainerRecord(orphan));
  ASSERT_OK(WriteFileAtomic(JoinPath(dir, "container.json"), text));

  ASSERT_OK_AND_ASSIGN(ContainerList list, store().List());
  EXPECT_EQ(list.records.size(), 2u);
  EXPECT_THAT(list.problems, IsEmpty());
  // The name belongs to the container that claimed it.
  ASSERT_OK_AND_ASSIGN(ContainerRecord web, store().Resolve("web"));
  EXPECT_EQ(web.id, claimed.id);

  ASSERT_OK_AND_ASSIGN(ContainerRepairReport report, store().Repair());
  EXPECT_THAT(report.unnamed_containers, ElementsAre(orphan.id));
  EXPECT_THAT(report.released_names, IsEmpty());
  EXPECT_EQ(Target("web"), claimed.id);
  // The engine drops such a record; removing it leaves the name alone.
  ASSERT_OK(store().Remove(orphan.id));
  EXPECT_EQ(Target("web"), claimed.id);
}

TEST_F(ContainerStoreTest, CrashBeforeTheRenameIntoPlaceLeavesAHiddenDir) {
  std::string half =
      JoinPath(root_, "containers/.creating-" + std::string(64, 'a'));
  ASSERT_OK(MakeDirs(half));
  ASSERT_OK(WriteFileAtomic(JoinPath(half, "container.json"), "{"));
  ASSERT_OK_AND_ASSIGN(ContainerList list, store().List());
  EXPECT_THAT(list.records, IsEmpty());
  EXPECT_THAT(list.problems, IsEmpty());
  ASSERT_OK_AND_ASSIGN(ContainerRepairReport report, store().Repair());
  EXPECT_THAT(report.removed_leftovers, ElementsAre(half));
  EXPECT_FALSE(PathExists(half));
}

TEST_F(ContainerStoreTest, CrashInsideRemoveLeavesANameRepairReleases) {
  ASSERT_OK_AND_ASSIGN(ContainerRecord gone, store().Create(Named("web")));
  ASSERT_OK_AND_ASSIGN(ContainerRecord kept, store().Create(Named("db")));
  // The directory went, the name stayed (the unlink was not durable).
  ASSERT_OK(RemoveTree(store().ContainerDir(gone.id)));
  // And a Remove that died after renaming its directory away.
  ASSERT_OK_AND_ASSIGN(ContainerRecord half, store().Create(Named("half")));
  std::string away = JoinPath(root_, "containers/.removing-" + half.id);
  ASSERT_EQ(::rename(store().ContainerDir(half.id).c_str(), away.c_str()), 0);

  ASSERT_OK_AND_ASSIGN(auto stale, store().ListNamesWithoutContainer());
  EXPECT_THAT(stale, UnorderedElementsAre("web", "half"));
  EXPECT_THAT(store().Resolve("web"),
              StatusIs(absl::StatusCode::kNotFound, ::testing::_));
  // A new container may not take the name before Repair ran ...
  EXPECT_THAT(store().Create(Named("web")),
              StatusIs(absl::StatusCode::kAlreadyExists, ::testing::_));

  ASSERT_OK_AND_ASSIGN(ContainerRepairReport report, store().Repair());
  EXPECT_THAT(report.released_names, UnorderedElementsAre("web", "half"));
  EXPECT_THAT(report.removed_leftovers, ElementsAre(away));
  EXPECT_THAT(report.unnamed_containers, IsEmpty());
  EXPECT_THAT(report.problems, IsEmpty());
  EXPECT_THAT(Entries("names"), ElementsAre("db"));
  EXPECT_EQ(Target("db"), kept.id);
  // ... and may after.
  EXPECT_OK(store().Create(Named("web")));
  ASSERT_OK_AND_ASSIGN(auto none, store().ListNamesWithoutContainer());
  EXPECT_THAT(none, IsEmpty());
}

TEST_F(ContainerStoreTest, CrashInsideRenameLeavesTwoNamesRepairKeepsOne) {
  ASSERT_OK_AND_ASSIGN(ContainerRecord r, store().Create(Named("web")));
  // The new name was claimed and the record written, the old name stayed.
  ASSERT_OK(store().Rename(r.id, "shop"));
  ASSERT_EQ(::symlink(r.id.c_str(), NameLink("web").c_str()), 0);
  // A claim that never reached the record.
  ASSERT_EQ(::symlink(r.id.c_str(), NameLink("claimed").c_str()), 0);
  ASSERT_OK_AND_ASSIGN(ContainerRepairReport report, store().Repair());
  EXPECT_THAT(report.released_names, UnorderedElementsAre("web", "claimed"));
  EXPECT_THAT(Entries("names"), ElementsAre("shop"));
  EXPECT_THAT(report.unnamed_containers, IsEmpty());
}

TEST_F(ContainerStoreTest, RepairReportsWhatItDoesNotKnow) {
  ASSERT_OK_AND_ASSIGN(ContainerRecord r, store().Create(Named("web")));
  ASSERT_EQ(::symlink("somewhere", NameLink("odd").c_str()), 0);
  ASSERT_OK(WriteFileAtomic(NameLink("file"), "x"));
  ASSERT_OK(WriteFileAtomic(
      JoinPath(store().ContainerDir(r.id), "container.json"), "[]"));
  ASSERT_OK_AND_ASSIGN(ContainerRepairReport report, store().Repair());
  EXPECT_THAT(report.released_names, IsEmpty());
  std::string all;
  for (const absl::Status& s : report.problems) {
    absl::StrAppend(&all, s.message(), "\n");
  }
  EXPECT_THAT(all, HasSubstr("names/odd points at \"somewhere\""));
  EXPECT_THAT(all, HasSubstr("names/file: not a symlink"));
  EXPECT_THAT(all, HasSubstr(r.id + "/container.json: expected a JSON object"));
  // Left alone, all of it.
  EXPECT_THAT(Entries("names"), UnorderedElementsAre("web", "odd", "file"));
  EXPECT_TRUE(PathExists(store().ContainerDir(r.id)));
}

TEST_F(ContainerStoreTest, RepairOfACleanStoreDoesNothing) {
  ASSERT_OK(store().Create(Named("web")));
  ASSERT_OK(store().Create(Named("")));
  ASSERT_OK_AND_ASSIGN(ContainerRepairReport report, store().Repair());
  EXPECT_THAT(report.released_names, IsEmpty());
  EXPECT_THAT(report.unnamed_containers, IsEmpty());
  EXPECT_THAT(report.removed_leftovers, IsEmpty());
  EXPECT_THAT(report.problems, IsEmpty());
}

}  // namespace
}  // namespace crate::engine
