#include "api/engine/container_record.h"

#include <string>

#include "absl/time/civil_time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/base/status_matchers.h"

namespace crate::engine {
namespace {

using ::crate::testing::StatusIs;
using ::testing::HasSubstr;

constexpr char kSource[] = "/store/containers/x/container.json";

absl::Time At(int hour, int minute) {
  return absl::FromCivil(absl::CivilMinute(2024, 5, 6, hour, minute),
                         absl::UTCTimeZone()) +
         absl::Nanoseconds(123456789);
}

ContainerRecord FullRecord() {
  ContainerRecord r;
  r.id = std::string(64, 'c');
  r.name = "web";
  r.image = "alpine:3.19";
  r.image_id = "sha256:" + std::string(64, 'd');
  r.created = At(10, 0);
  r.state = ContainerState::kExited;
  r.labels = {{"app", "shop"}, {"tier", "front"}};
  r.config = {{"cmd", {"sh", "-c", "echo hi"}}, {"tty", true}};
  r.shim_pid = 4242;
  r.shim_start_time = 987654321;
  r.init_pid = 4243;
  r.started_at = At(10, 1);
  r.finished_at = At(10, 2);
  r.exit_code = 137;
  r.exit_reason = "OOMKilled";
  r.restart_count = 3;
  r.sandbox = "";
  return r;
}

nlohmann::json Minimal() {
  return {{"id", std::string(64, 'c')}, {"name", "web"}, {"state", "created"}};
}

TEST(ContainerRecordTest, RoundTripsEveryField) {
  ContainerRecord r = FullRecord();
  ASSERT_OK_AND_ASSIGN(std::string text, SerializeContainerRecord(r));
  ASSERT_OK_AND_ASSIGN(ContainerRecord back,
                       ParseContainerRecord(text, kSource));
  EXPECT_EQ(back.id, r.id);
  EXPECT_EQ(back.name, r.name);
  EXPECT_EQ(back.image, r.image);
  EXPECT_EQ(back.image_id, r.image_id);
  EXPECT_EQ(back.created, r.created);  // nanoseconds survive
  EXPECT_EQ(back.state, ContainerState::kExited);
  EXPECT_EQ(back.labels, r.labels);
  EXPECT_EQ(back.config, r.config);
  EXPECT_EQ(back.shim_pid, 4242);
  EXPECT_EQ(back.shim_start_time, 987654321u);
  EXPECT_EQ(back.init_pid, 4243);
  EXPECT_EQ(back.started_at, r.started_at);
  EXPECT_EQ(back.finished_at, r.finished_at);
  EXPECT_EQ(back.exit_code, 137);
  EXPECT_EQ(back.exit_reason, "OOMKilled");
  EXPECT_EQ(back.restart_count, 3);
  EXPECT_EQ(back.sandbox, "");
  // Times are UTC RFC 3339, readable as they stand in the file.
  EXPECT_THAT(text,
              HasSubstr("\"created\": \"2024-05-06T10:00:00.123456789Z\""));
}

TEST(ContainerRecordTest, UnsetOptionalsStayUnset) {
  ASSERT_OK_AND_ASSIGN(ContainerRecord r,
                       ContainerRecordFromJson(Minimal(), kSource));
  EXPECT_EQ(r.state, ContainerState::kCreated);
  EXPECT_FALSE(r.started_at.has_value());
  EXPECT_FALSE(r.finished_at.has_value());
  EXPECT_FALSE(r.exit_code.has_value());
  EXPECT_EQ(r.created, absl::InfinitePast());
  EXPECT_TRUE(r.config.is_object());
  nlohmann::json j = ContainerRecordToJson(r);
  EXPECT_FALSE(j.contains("started_at"));
  EXPECT_FALSE(j.contains("exit_code"));
  EXPECT_FALSE(j.contains("created"));
  // Exit code 0 is a value, not "unset".
  r.exit_code = 0;
  ASSERT_OK_AND_ASSIGN(
      ContainerRecord back,
      ContainerRecordFromJson(ContainerRecordToJson(r), kSource));
  EXPECT_EQ(back.exit_code, 0);
}

TEST(ContainerRecordTest, UnknownFieldsAreIgnored) {
  nlohmann::json j = Minimal();
  j["added_by_a_later_version"] = {{"x", 1}};
  j["pod"] = "p1";
  EXPECT_OK(ContainerRecordFromJson(j, kSource));
}

TEST(ContainerRecordTest, StatesHaveNames) {
  for (ContainerState s : {ContainerState::kCreating, ContainerState::kCreated,
                           ContainerState::kRunning, ContainerState::kExited,
                           ContainerState::kRemoving}) {
    ASSERT_OK_AND_ASSIGN(ContainerState back,
                         ParseContainerState(ContainerStateName(s)));
    EXPECT_EQ(back, s);
  }
  EXPECT_EQ(ContainerStateName(ContainerState::kCreating), "creating");
  EXPECT_THAT(
      ParseContainerState("paused"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("\"paused\"")));
}

struct BadCase {
  const char* what;
  nlohmann::json patch;  // merged into Minimal()
  const char* field;
  const char* message;
};

TEST(ContainerRecordTest, ErrorsNameTheFileAndTheField) {
  const BadCase cases[] = {
      {"id missing", {{"id", nullptr}}, "id", "missing"},
      {"id not hex", {{"id", "web"}}, "id", "64 lowercase hex"},
      {"name bad", {{"name", "-web"}}, "name", "invalid container name"},
      {"state unknown", {{"state", "paused"}}, "state", "\"paused\""},
      {"state type", {{"state", 3}}, "state", "expected a string, got number"},
      {"created bad", {{"created", "yesterday"}}, "created", "RFC 3339"},
      {"labels type", {{"labels", {{"a", 1}}}}, "labels", "value of \"a\""},
      {"config type", {{"config", "x"}}, "config", "expected an object"},
      {"pid negative", {{"shim_pid", -1}}, "shim_pid", "negative"},
      {"pid huge", {{"init_pid", 1LL << 40}}, "init_pid", "out of range"},
      {"start time signed",
       {{"shim_start_time", -5}},
       "shim_start_time",
       "non-negative"},
      {"exit code type", {{"exit_code", "1"}}, "exit_code", "an integer"},
      {"finished type", {{"finished_at", 5}}, "finished_at", "RFC 3339"},
  };
  for (const BadCase& c : cases) {
    nlohmann::json j = Minimal();
    j.merge_patch(c.patch);
    EXPECT_THAT(ContainerRecordFromJson(j, kSource),
                StatusIs(absl::StatusCode::kDataLoss,
                         HasSubstr(std::string(kSource) + ": field \"" +
                                   c.field + "\": ")))
        << c.what;
    EXPECT_THAT(ContainerRecordFromJson(j, kSource),
                StatusIs(absl::StatusCode::kDataLoss, HasSubstr(c.message)))
        << c.what;
  }
}

TEST(ContainerRecordTest, DamagedTextNamesTheFile) {
  EXPECT_THAT(ParseContainerRecord("", kSource),
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr(std::string(kSource) + ": not valid JSON")));
  EXPECT_THAT(ParseContainerRecord("{\"id\": ", kSource),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr(kSource)));
  EXPECT_THAT(ParseContainerRecord("[1]", kSource),
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr("expected a JSON object, got array")));
}

TEST(ContainerRecordTest, TextThatIsNotUtf8IsRefused) {
  ContainerRecord r = FullRecord();
  r.labels["bad"] = std::string("\xff\xfe", 2);
  EXPECT_THAT(SerializeContainerRecord(r),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("container web: its labels and options "
                                 "must be UTF-8")));
}

}  // namespace
}  // namespace crate::engine
