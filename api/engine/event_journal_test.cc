#include "api/engine/event_journal.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/base/file_util.h"
#include "runtime/base/status_matchers.h"

namespace crate::engine {
namespace {

using ::crate::testing::StatusIs;

Event Make(const std::string& action, int64_t second,
           const std::string& id = "c1") {
  Event e;
  e.time = absl::FromUnixSeconds(second);
  e.type = "container";
  e.action = action;
  e.id = id;
  e.name = "web";
  e.attributes = {{"image", "busybox"}, {"name", "web"}};
  return e;
}

std::vector<std::string> Actions(const std::vector<Event>& events) {
  std::vector<std::string> out;
  for (const Event& e : events) out.push_back(e.action);
  return out;
}

class EventJournalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(root_, MakeTempDir("event_journal_test"));
  }
  void TearDown() override { ASSERT_OK(RemoveTree(root_)); }

  std::unique_ptr<EventJournal> Open(int64_t max = 1 << 20) {
    auto j = EventJournal::Open(JoinPath(root_, "events"), max);
    EXPECT_OK(j.status());
    return j.ok() ? *std::move(j) : nullptr;
  }

  std::string root_;
};

TEST(EventLineTest, RoundTrips) {
  Event e = Make("die", 100);
  e.time += absl::Nanoseconds(123456789);
  e.attributes["exitCode"] = "3";
  std::string line = EventToLine(e);
  EXPECT_EQ(line.back(), '\n');
  EXPECT_EQ(std::count(line.begin(), line.end(), '\n'), 1);
  ASSERT_OK_AND_ASSIGN(Event back,
                       EventFromLine(line.substr(0, line.size() - 1)));
  EXPECT_EQ(back.time, e.time);
  EXPECT_EQ(back.type, "container");
  EXPECT_EQ(back.action, "die");
  EXPECT_EQ(back.id, "c1");
  EXPECT_EQ(back.name, "web");
  EXPECT_EQ(back.attributes, e.attributes);
}

TEST(EventLineTest, NewlinesInValuesStayInOneLine) {
  Event e = Make("create", 1);
  e.attributes["evil"] = "a\nb\"c\xff";
  std::string line = EventToLine(e);
  EXPECT_EQ(std::count(line.begin(), line.end(), '\n'), 1);
  ASSERT_OK_AND_ASSIGN(Event back, EventFromLine(line));
  EXPECT_EQ(back.attributes["evil"].substr(0, 5), "a\nb\"c");
}

TEST(EventLineTest, RefusesWhatIsNotAnEvent) {
  EXPECT_THAT(EventFromLine("{\"type\":\"container\""),
              StatusIs(absl::StatusCode::kDataLoss, ::testing::_));
  EXPECT_THAT(EventFromLine("[]"),
              StatusIs(absl::StatusCode::kDataLoss, ::testing::_));
  EXPECT_THAT(EventFromLine("{\"type\":\"x\",\"action\":\"y\"}"),
              StatusIs(absl::StatusCode::kDataLoss, ::testing::_));
}

TEST_F(EventJournalTest, ReadsWithinSinceAndUntil) {
  auto j = Open();
  for (int i = 1; i <= 5; ++i) {
    ASSERT_OK(j->Append(Make(absl::StrCat("a", i), i * 10)));
  }
  ASSERT_OK_AND_ASSIGN(std::vector<Event> all, j->Read());
  EXPECT_THAT(Actions(all),
              ::testing::ElementsAre("a1", "a2", "a3", "a4", "a5"));
  ASSERT_OK_AND_ASSIGN(
      std::vector<Event> some,
      j->Read(absl::FromUnixSeconds(20), absl::FromUnixSeconds(40)));
  EXPECT_THAT(Actions(some), ::testing::ElementsAre("a2", "a3", "a4"));
  ASSERT_OK_AND_ASSIGN(
      std::vector<Event> none,
      j->Read(absl::FromUnixSeconds(41), absl::FromUnixSeconds(49)));
  EXPECT_TRUE(none.empty());
}

TEST_F(EventJournalTest, AnEmptyJournalReadsEmpty) {
  auto j = Open();
  ASSERT_OK_AND_ASSIGN(std::vector<Event> all, j->Read());
  EXPECT_TRUE(all.empty());
}

TEST_F(EventJournalTest, ATornLastLineIsEndedAndSkipped) {
  auto j = Open();
  ASSERT_OK(j->Append(Make("create", 1)));
  // What a crash in the middle of a write leaves.
  std::string torn = EventToLine(Make("start", 2));
  int fd = open(j->current_path().c_str(), O_WRONLY | O_APPEND);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(write(fd, torn.data(), torn.size() / 2),
            static_cast<ssize_t>(torn.size() / 2));
  close(fd);
  // A reader sees only whole lines, the torn one not yet ended...
  ASSERT_OK_AND_ASSIGN(std::vector<Event> before, j->Read());
  EXPECT_THAT(Actions(before), ::testing::ElementsAre("create"));
  // ...and after the next write, which ends it, skips it.
  ASSERT_OK(j->Append(Make("die", 3)));
  ASSERT_OK_AND_ASSIGN(std::vector<Event> after, j->Read());
  EXPECT_THAT(Actions(after), ::testing::ElementsAre("create", "die"));
}

TEST_F(EventJournalTest, RotatesAtItsSizeKeepingOneFileBefore) {
  const int64_t line =
      static_cast<int64_t>(EventToLine(Make("a100", 1)).size());
  auto j = Open(line * 10);
  for (int i = 100; i < 135; ++i) {
    ASSERT_OK(j->Append(Make(absl::StrCat("a", i), i)));
  }
  EXPECT_TRUE(PathExists(j->rotated_path()));
  ASSERT_OK_AND_ASSIGN(std::string cur, ReadFile(j->current_path()));
  EXPECT_LE(static_cast<int64_t>(cur.size()), line * 10);
  ASSERT_OK_AND_ASSIGN(std::vector<Event> kept, j->Read());
  // The newest ones, in order, without gaps, ending with the last.
  ASSERT_GE(kept.size(), 10u);
  EXPECT_LE(kept.size(), 20u);
  EXPECT_EQ(kept.back().action, "a134");
  for (size_t i = 1; i < kept.size(); ++i) {
    EXPECT_EQ(kept[i].time - kept[i - 1].time, absl::Seconds(1));
  }
}

TEST_F(EventJournalTest, ConcurrentThreadsLoseAndTearNothing) {
  auto j = Open();
  constexpr int kThreads = 8, kEach = 150;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        ASSERT_OK(j->Append(Make(absl::StrCat("t", t, "-", i), i)));
      }
    });
  }
  for (auto& t : threads) t.join();
  ASSERT_OK_AND_ASSIGN(std::vector<Event> all, j->Read());
  std::set<std::string> seen;
  for (const Event& e : all) seen.insert(e.action);
  EXPECT_EQ(all.size(), static_cast<size_t>(kThreads * kEach));
  EXPECT_EQ(seen.size(), static_cast<size_t>(kThreads * kEach));
  ASSERT_OK_AND_ASSIGN(std::string text, ReadFile(j->current_path()));
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), kThreads * kEach);
}

TEST_F(EventJournalTest, TwoProcessesLoseNothingAcrossRotations) {
  const int64_t line =
      static_cast<int64_t>(EventToLine(Make("p0-000", 1)).size());
  // Big enough for everything in the last two files, small enough to
  // rotate many times on the way.
  auto j = Open(line * 300);
  constexpr int kEach = 200;
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    for (int i = 0; i < kEach; ++i) {
      if (!j->Append(Make(absl::StrCat("p1-", 1000 + i), i)).ok()) _exit(1);
    }
    _exit(0);
  }
  for (int i = 0; i < kEach; ++i) {
    ASSERT_OK(j->Append(Make(absl::StrCat("p0-", 1000 + i), i)));
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  ASSERT_OK_AND_ASSIGN(std::vector<Event> all, j->Read());
  std::set<std::string> seen;
  for (const Event& e : all) seen.insert(e.action);
  EXPECT_EQ(seen.size(), all.size());  // none twice
  EXPECT_EQ(all.size(), static_cast<size_t>(2 * kEach));
}

bool Readable(int fd, int timeout_ms) {
  struct pollfd p = {fd, POLLIN, 0};
  return poll(&p, 1, timeout_ms) == 1;
}

TEST_F(EventJournalTest, FollowerSeesOnlyNewEventsByDefault) {
  auto j = Open();
  ASSERT_OK(j->Append(Make("old", 1)));
  ASSERT_OK_AND_ASSIGN(auto f, j->Follow(false));
  ASSERT_OK_AND_ASSIGN(std::vector<Event> none, f->Next());
  EXPECT_TRUE(none.empty());
  ASSERT_OK(j->Append(Make("new1", 2)));
  ASSERT_OK(j->Append(Make("new2", 3)));
  EXPECT_TRUE(Readable(f->fd(), 10000));
  ASSERT_OK_AND_ASSIGN(std::vector<Event> got, f->Next());
  EXPECT_THAT(Actions(got), ::testing::ElementsAre("new1", "new2"));
  ASSERT_OK_AND_ASSIGN(std::vector<Event> again, f->Next());
  EXPECT_TRUE(again.empty());
  EXPECT_FALSE(Readable(f->fd(), 0));
}

TEST_F(EventJournalTest, FollowerFromStartGivesKeptThenNew) {
  const int64_t line = static_cast<int64_t>(EventToLine(Make("k10", 1)).size());
  auto j = Open(line * 4);
  for (int i = 10; i < 16; ++i) {
    ASSERT_OK(j->Append(Make(absl::StrCat("k", i), i)));
  }
  ASSERT_OK_AND_ASSIGN(auto f, j->Follow(true));
  ASSERT_OK_AND_ASSIGN(std::vector<Event> kept, f->Next());
  ASSERT_FALSE(kept.empty());
  EXPECT_EQ(kept.back().action, "k15");
  ASSERT_OK(j->Append(Make("k16", 16)));
  EXPECT_TRUE(Readable(f->fd(), 10000));
  ASSERT_OK_AND_ASSIGN(std::vector<Event> more, f->Next());
  EXPECT_THAT(Actions(more), ::testing::ElementsAre("k16"));
}

TEST_F(EventJournalTest, FollowerCrossesRotationsInOrder) {
  const int64_t line =
      static_cast<int64_t>(EventToLine(Make("r100", 1)).size());
  auto j = Open(line * 3);
  ASSERT_OK_AND_ASSIGN(auto f, j->Follow(false));
  std::vector<std::string> got;
  for (int i = 100; i < 130; ++i) {
    ASSERT_OK(j->Append(Make(absl::StrCat("r", i), i)));
    // Asked at most every other event: each rotation passes once.
    if (i % 2 == 1) {
      ASSERT_OK_AND_ASSIGN(std::vector<Event> batch, f->Next());
      for (const Event& e : batch) got.push_back(e.action);
    }
  }
  ASSERT_OK_AND_ASSIGN(std::vector<Event> last, f->Next());
  for (const Event& e : last) got.push_back(e.action);
  ASSERT_EQ(got.size(), 30u);
  for (int i = 0; i < 30; ++i) EXPECT_EQ(got[i], absl::StrCat("r", 100 + i));
}

TEST_F(EventJournalTest, FollowerStartedBeforeAnyFileExists) {
  auto j = Open();
  ASSERT_OK_AND_ASSIGN(auto f, j->Follow(false));
  ASSERT_OK(j->Append(Make("first", 1)));
  EXPECT_TRUE(Readable(f->fd(), 10000));
  ASSERT_OK_AND_ASSIGN(std::vector<Event> got, f->Next());
  EXPECT_THAT(Actions(got), ::testing::ElementsAre("first"));
}

TEST_F(EventJournalTest, RefusesANonPositiveSize) {
  EXPECT_THAT(EventJournal::Open(JoinPath(root_, "e"), 0),
              StatusIs(absl::StatusCode::kInvalidArgument, ::testing::_));
}

}  // namespace
}  // namespace crate::engine
