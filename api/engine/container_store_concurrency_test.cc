// Many writers at once, in threads and in processes, and a store of 1,000
// containers listed. After each run the store must be consistent:
//   * every name points at a directory whose record carries that name;
//   * every record's name points back at it;
//   * List returns exactly the directories, without problems.
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "api/engine/container_store.h"
#include "api/engine/ids.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/base/file_util.h"
#include "runtime/base/status_matchers.h"

namespace crate::engine {
namespace {

using ::testing::IsEmpty;

class ContainerStoreConcurrencyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(root_, MakeTempDir("container_store_conc_test"));
    ASSERT_OK_AND_ASSIGN(ContainerStore s, ContainerStore::Open(root_));
    store_.emplace(std::move(s));
  }
  void TearDown() override { ASSERT_OK(RemoveTree(root_)); }

  // The invariants of the file comment; returns the records by name.
  std::map<std::string, ContainerRecord> ExpectConsistent() {
    std::map<std::string, ContainerRecord> by_name;
    absl::StatusOr<ContainerList> list = store_->List();
    EXPECT_OK(list);
    if (!list.ok()) return by_name;
    EXPECT_THAT(list->problems, IsEmpty());
    std::vector<std::string> dirs = ListDir(JoinPath(root_, "containers"))
                                        .value_or(std::vector<std::string>{});
    EXPECT_EQ(dirs.size(), list->records.size());
    for (const ContainerRecord& r : list->records) {
      EXPECT_TRUE(by_name.emplace(r.name, r).second)
          << "two records named " << r.name;
      absl::StatusOr<ContainerRecord> named = store_->Resolve(r.name);
      EXPECT_OK(named);
      if (named.ok()) {
        EXPECT_EQ(named->id, r.id) << r.name;
      }
    }
    std::vector<std::string> names =
        ListDir(JoinPath(root_, "names")).value_or(std::vector<std::string>{});
    EXPECT_EQ(names.size(), by_name.size());
    for (const std::string& n : names) {
      EXPECT_TRUE(by_name.count(n)) << "name " << n << " has no record";
    }
    absl::StatusOr<ContainerRepairReport> repair = store_->Repair();
    EXPECT_OK(repair);
    if (repair.ok()) {
      EXPECT_THAT(repair->released_names, IsEmpty());
      EXPECT_THAT(repair->unnamed_containers, IsEmpty());
      EXPECT_THAT(repair->removed_leftovers, IsEmpty());
      EXPECT_THAT(repair->problems, IsEmpty());
    }
    return by_name;
  }

  std::string root_;
  std::optional<ContainerStore> store_;
};

ContainerRecord Named(const std::string& name) {
  ContainerRecord r;
  r.name = name;
  r.image = "busybox";
  return r;
}

TEST_F(ContainerStoreConcurrencyTest, FiftyThreadsRaceForFiveNames) {
  constexpr int kThreads = 50;
  const std::vector<std::string> kNames = {"web", "db", "cache", "queue",
                                           "proxy"};
  std::vector<absl::StatusOr<ContainerRecord>> results(
      kThreads, absl::UnknownError("not run"));
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      while (!go.load()) std::this_thread::yield();
      results[i] = store_->Create(Named(kNames[i % kNames.size()]));
    });
  }
  go = true;
  for (std::thread& t : threads) t.join();

  std::map<std::string, std::string> winner;  // name -> id
  int losers = 0;
  for (const auto& r : results) {
    if (r.ok()) {
      EXPECT_TRUE(winner.emplace(r->name, r->id).second)
          << "two winners for " << r->name;
    } else {
      EXPECT_TRUE(absl::IsAlreadyExists(r.status())) << r.status();
      EXPECT_THAT(std::string(r.status().message()),
                  ::testing::HasSubstr("is already in use by container"));
      ++losers;
    }
  }
  EXPECT_EQ(winner.size(), kNames.size());
  EXPECT_EQ(losers, kThreads - static_cast<int>(kNames.size()));
  std::map<std::string, ContainerRecord> stored = ExpectConsistent();
  ASSERT_EQ(stored.size(), kNames.size());
  for (const auto& [name, id] : winner) EXPECT_EQ(stored[name].id, id);
}

TEST_F(ContainerStoreConcurrencyTest, ProcessesRaceForNames) {
  // flock and symlink must hold across processes too: crated and another
  // crated (or a repair tool) on one root.
  constexpr int kProcesses = 24;
  const std::vector<std::string> kNames = {"alpha", "beta", "gamma"};
  std::vector<pid_t> pids;
  for (int i = 0; i < kProcesses; ++i) {
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      absl::StatusOr<ContainerStore> s = ContainerStore::Open(root_);
      if (!s.ok()) _exit(3);
      absl::StatusOr<ContainerRecord> r =
          s->Create(Named(kNames[i % kNames.size()]));
      _exit(r.ok() ? 0 : absl::IsAlreadyExists(r.status()) ? 1 : 2);
    }
    pids.push_back(pid);
  }
  int won = 0, lost = 0;
  for (pid_t pid : pids) {
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status));
    int code = WEXITSTATUS(status);
    EXPECT_LE(code, 1) << "a child failed otherwise than AlreadyExists";
    (code == 0 ? won : lost)++;
  }
  EXPECT_EQ(won, static_cast<int>(kNames.size()));
  EXPECT_EQ(lost, kProcesses - static_cast<int>(kNames.size()));
  EXPECT_EQ(ExpectConsistent().size(), kNames.size());
}

TEST_F(ContainerStoreConcurrencyTest, CreateRenameRemoveChurnStaysConsistent) {
  // Threads create, rename and remove over a small set of names, so that
  // every operation meets the others on the same names.
  const std::vector<std::string> kNames = {"a1", "a2", "a3", "a4"};
  constexpr int kThreads = 8, kRounds = 40;
  std::vector<std::thread> threads;
  std::atomic<int> unexpected{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kRounds; ++i) {
        const std::string& name = kNames[(t + i) % kNames.size()];
        const std::string& other = kNames[(t + i + 1) % kNames.size()];
        absl::StatusOr<ContainerRecord> r = store_->Create(Named(name));
        if (!r.ok()) {
          if (!absl::IsAlreadyExists(r.status())) ++unexpected;
          continue;
        }
        absl::Status renamed = store_->Rename(r->id, other).status();
        if (!renamed.ok() && !absl::IsAlreadyExists(renamed)) ++unexpected;
        if (i % 3 != 0) {
          if (!store_->Remove(r->id).ok()) ++unexpected;
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(unexpected.load(), 0);
  ExpectConsistent();
}

// Writes a record without the store, and without fsync, to build a large
// store quickly.
void WriteRecordByHand(const std::string& root, int i) {
  ContainerRecord r = Named(absl::StrCat("c", i));
  r.id = *NewId();
  r.state = ContainerState::kExited;
  r.created = absl::FromUnixSeconds(1700000000 + i);
  r.labels = {{"app", "bench"}, {"index", absl::StrCat(i)}};
  r.config = {{"cmd", {"/bin/sh", "-c", "sleep 1000"}},
              {"env", {"PATH=/usr/bin:/bin", "HOME=/root"}},
              {"tty", false}};
  r.exit_code = 0;
  std::string dir = JoinPath(root, "containers/" + r.id);
  ASSERT_EQ(::mkdir(dir.c_str(), 0700), 0);
  std::FILE* f = std::fopen(JoinPath(dir, "container.json").c_str(), "w");
  ASSERT_NE(f, nullptr);
  std::string text = *SerializeContainerRecord(r);
  ASSERT_EQ(std::fwrite(text.data(), 1, text.size(), f), text.size());
  ASSERT_EQ(std::fclose(f), 0);
  std::string link = JoinPath(root, "names/" + r.name);
  ASSERT_EQ(::symlink(r.id.c_str(), link.c_str()), 0);
}

TEST_F(ContainerStoreConcurrencyTest, ListOfAThousandContainers) {
  constexpr int kContainers = 1000;
  for (int i = 0; i < kContainers; ++i) {
    ASSERT_NO_FATAL_FAILURE(WriteRecordByHand(root_, i));
  }
  // Timed, not asserted: a loaded build machine says nothing about the
  // code. The figure goes to the test log.
  std::vector<double> ms;
  for (int run = 0; run < 5; ++run) {
    absl::Time start = absl::Now();
    ASSERT_OK_AND_ASSIGN(ContainerList list, store_->List());
    ms.push_back(absl::ToDoubleMilliseconds(absl::Now() - start));
    ASSERT_EQ(list.records.size(), static_cast<size_t>(kContainers));
    EXPECT_THAT(list.problems, IsEmpty());
    EXPECT_EQ(list.records.front().name, absl::StrCat("c", kContainers - 1));
  }
  std::sort(ms.begin(), ms.end());
  std::printf(
      "List() of %d containers: min %.1f ms, median %.1f ms, "
      "max %.1f ms (5 runs)\n",
      kContainers, ms.front(), ms[ms.size() / 2], ms.back());
  absl::Time start = absl::Now();
  ASSERT_OK_AND_ASSIGN(ContainerRecord r, store_->Resolve("c500"));
  std::printf("Resolve(name) among %d: %.3f ms\n", kContainers,
              absl::ToDoubleMilliseconds(absl::Now() - start));
  start = absl::Now();
  ASSERT_OK(store_->Resolve(r.id.substr(0, 12)));
  std::printf("Resolve(12-digit prefix) among %d: %.3f ms\n", kContainers,
              absl::ToDoubleMilliseconds(absl::Now() - start));
}

}  // namespace
}  // namespace crate::engine
