#include "api/engine/volumes.h"

#include <sys/stat.h>
#include <unistd.h>

#include <optional>
#include <string>
#include <vector>

#include "api/engine/volume_uses.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/base/file_util.h"
#include "runtime/base/status_matchers.h"

namespace crate::engine {
namespace {

using ::crate::testing::StatusIs;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::MatchesRegex;
using ::testing::UnorderedElementsAre;

container::Mount VolumeMount(const std::string& name, const std::string& dest,
                             const std::string& options = "") {
  container::Mount m;
  m.type = container::MountType::kVolume;
  m.volume_name = name;
  m.destination = dest;
  m.options = options;
  return m;
}

class VolumesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(root_, MakeTempDir("volumes_test"));
    rootfs_ = JoinPath(root_, "rootfs");
    ASSERT_OK(MakeDirs(JoinPath(rootfs_, "etc"), 0755));
    ASSERT_OK(WriteFileAtomic(JoinPath(rootfs_, "etc/passwd"), "root\n"));
    ASSERT_OK_AND_ASSIGN(ContainerStore c, ContainerStore::Open(root_));
    containers_.emplace(std::move(c));
    ASSERT_OK_AND_ASSIGN(VolumeStore v, VolumeStore::Open(root_));
    volumes_.emplace(std::move(v), &*containers_);
  }
  void TearDown() override { ASSERT_OK(RemoveTree(root_)); }

  // A container being created, as the engine has it when it mounts.
  std::string NewContainer(const std::string& name) {
    ContainerRecord r;
    r.name = name;
    absl::StatusOr<ContainerRecord> made = containers_->Create(r);
    EXPECT_OK(made.status());
    return made.ok() ? made->id : "";
  }
  absl::StatusOr<std::vector<container::Mount>> Prepare(
      const std::string& id, std::vector<container::Mount> mounts,
      std::vector<std::string> image_volumes = {},
      std::vector<std::string>* made = nullptr) {
    VolumeMountRequest req;
    req.container_id = id;
    req.rootfs = rootfs_;
    req.mounts = std::move(mounts);
    req.image_volumes = std::move(image_volumes);
    std::vector<std::string> ignored;
    return volumes_->PrepareMounts(req, made ? made : &ignored);
  }
  std::string Data(const std::string& volume) {
    return JoinPath(JoinPath(JoinPath(root_, "volumes"), volume), "_data");
  }

  std::string root_, rootfs_;
  std::optional<ContainerStore> containers_;
  std::optional<Volumes> volumes_;
};

TEST_F(VolumesTest, CreateWithoutANameMakesANamedVolume) {
  ASSERT_OK_AND_ASSIGN(VolumeInfo v, volumes_->Create({}));
  EXPECT_THAT(v.record.name, MatchesRegex("[0-9a-f]{64}"));
  EXPECT_FALSE(v.record.anonymous);  // plain prune keeps it, as docker's
  EXPECT_THAT(volumes_->Create({"../etc"}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("invalid volume name")));
}

TEST_F(VolumesTest, MountsResolveNamedAnonymousAndImageVolumes) {
  std::string id = NewContainer("web");
  container::Mount bind;
  bind.source = "/srv";
  bind.destination = "/srv";
  std::vector<std::string> made;
  ASSERT_OK_AND_ASSIGN(
      std::vector<container::Mount> mounts,
      Prepare(id, {bind, VolumeMount("db", "/db"), VolumeMount("", "/tmp/x")},
              {"/data", "/db"}, &made));
  ASSERT_EQ(mounts.size(), 4u);
  EXPECT_EQ(mounts[0].source, "/srv");  // binds pass through
  EXPECT_EQ(mounts[1].volume_name, "db");
  EXPECT_EQ(mounts[1].source, Data("db"));
  EXPECT_THAT(mounts[2].volume_name, MatchesRegex("[0-9a-f]{64}"));
  // The image's /data (its /db is the user's) gets an anonymous volume.
  EXPECT_EQ(mounts[3].destination, "/data");
  EXPECT_EQ(mounts[3].type, container::MountType::kVolume);
  EXPECT_THAT(
      made, UnorderedElementsAre(mounts[2].volume_name, mounts[3].volume_name));

  ASSERT_OK_AND_ASSIGN(ContainerRecord r, containers_->Get(id));
  std::vector<VolumeUse> uses = VolumeUsesOf(r);
  ASSERT_EQ(uses.size(), 3u);
  EXPECT_EQ(uses[0].name, "db");
  EXPECT_FALSE(uses[0].anonymous);
  EXPECT_TRUE(uses[1].anonymous);
  EXPECT_TRUE(uses[2].anonymous);

  ASSERT_OK_AND_ASSIGN(VolumeInfo db, volumes_->Inspect("db"));
  EXPECT_THAT(db.containers, ElementsAre(id));
  EXPECT_FALSE(db.record.anonymous);
}

TEST_F(VolumesTest, ANewVolumeIsFilledFromTheImageOnce) {
  std::string a = NewContainer("a");
  ASSERT_OK(Prepare(a, {VolumeMount("conf", "/etc")}).status());
  ASSERT_OK_AND_ASSIGN(std::string passwd,
                       ReadFile(JoinPath(Data("conf"), "passwd")));
  EXPECT_EQ(passwd, "root\n");
  // Not again: the volume is the containers' now.
  ASSERT_OK(WriteFileAtomic(JoinPath(Data("conf"), "passwd"), "changed\n"));
  ASSERT_OK(RemoveTree(JoinPath(rootfs_, "etc/passwd")));
  ASSERT_OK(WriteFileAtomic(JoinPath(rootfs_, "etc/group"), "g\n"));
  ASSERT_OK(Prepare(NewContainer("b"), {VolumeMount("conf", "/etc")}).status());
  EXPECT_FALSE(PathExists(JoinPath(Data("conf"), "group")));
  // nocopy leaves a new volume empty, and is not passed on as an option.
  ASSERT_OK_AND_ASSIGN(
      std::vector<container::Mount> m,
      Prepare(NewContainer("c"), {VolumeMount("bare", "/etc", "nocopy")}));
  EXPECT_EQ(m[0].options, "");
  EXPECT_THAT(*ListDir(Data("bare")), IsEmpty());
}

TEST_F(VolumesTest, RemoveRefusesAVolumeInUseNamingItsContainers) {
  ASSERT_OK(Prepare(NewContainer("web"), {VolumeMount("db", "/db")}).status());
  ASSERT_OK(Prepare(NewContainer("job"), {VolumeMount("db", "/db")}).status());
  EXPECT_THAT(volumes_->Remove("db", false),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       AllOf(HasSubstr("volume db is in use by containers "),
                             HasSubstr("web"), HasSubstr("job"))));
  ASSERT_OK(volumes_->Remove("db", /*force=*/true));
  EXPECT_THAT(volumes_->Inspect("db"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("db")));
}

TEST_F(VolumesTest, ListFiltersAndPrune) {
  ASSERT_OK(volumes_->Create({"named"}).status());
  ASSERT_OK(volumes_->Create({"kept", "", {{"keep", "1"}}}).status());
  std::string id = NewContainer("web");
  ASSERT_OK_AND_ASSIGN(
      std::vector<container::Mount> m,
      Prepare(id, {VolumeMount("used", "/u"), VolumeMount("", "/anon")}));
  std::string anon_used = m[1].volume_name;
  // An anonymous volume nobody uses any more.
  std::vector<std::string> made;
  ASSERT_OK_AND_ASSIGN(
      m, Prepare(NewContainer("gone"), {VolumeMount("", "/x")}, {}, &made));
  ASSERT_OK(containers_->Remove(containers_->Resolve("gone")->id));

  ASSERT_OK_AND_ASSIGN(std::vector<VolumeInfo> dangling,
                       volumes_->List({"dangling=true"}));
  std::vector<std::string> names;
  for (const VolumeInfo& v : dangling) names.push_back(v.record.name);
  EXPECT_THAT(names, UnorderedElementsAre("named", "kept", made[0]));
  EXPECT_THAT(volumes_->List({"bogus=1"}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("bogus")));

  ASSERT_OK_AND_ASSIGN(VolumePruneReport report, volumes_->Prune({}));
  EXPECT_THAT(report.removed, ElementsAre(made[0]));
  ASSERT_OK_AND_ASSIGN(report, volumes_->Prune({"all=true", "label!=keep"}));
  EXPECT_THAT(report.removed, ElementsAre("named"));
  ASSERT_OK_AND_ASSIGN(std::vector<VolumeInfo> left, volumes_->List({}));
  names.clear();
  for (const VolumeInfo& v : left) names.push_back(v.record.name);
  EXPECT_THAT(names, UnorderedElementsAre("kept", "used", anon_used));
}

TEST_F(VolumesTest, RemoveAnonymousOfKeepsNamedAndSharedVolumes) {
  std::string id = NewContainer("web");
  ASSERT_OK_AND_ASSIGN(
      std::vector<container::Mount> m,
      Prepare(id, {VolumeMount("db", "/db"), VolumeMount("", "/a"),
                   VolumeMount("", "/b")}));
  std::string a = m[1].volume_name, b = m[2].volume_name;
  // Another container mounts the second anonymous volume by its name.
  ASSERT_OK(Prepare(NewContainer("other"), {VolumeMount(b, "/b")}).status());
  ASSERT_OK_AND_ASSIGN(ContainerRecord record, containers_->Get(id));
  ASSERT_OK(containers_->Remove(id));
  volumes_->RemoveAnonymousOf(record);
  EXPECT_OK(volumes_->Inspect("db").status());
  EXPECT_THAT(volumes_->Inspect(a),
              StatusIs(absl::StatusCode::kNotFound, ::testing::_));
  EXPECT_OK(volumes_->Inspect(b).status());
}

TEST_F(VolumesTest, ADataDirectoryReplacedByASymlinkIsNotMounted) {
  ASSERT_OK(volumes_->Create({"evil"}).status());
  std::string target = JoinPath(root_, "outside");
  ASSERT_OK(MakeDirs(target, 0755));
  ASSERT_OK(RemoveTree(Data("evil")));
  ASSERT_EQ(symlink(target.c_str(), Data("evil").c_str()), 0);
  EXPECT_THAT(Prepare(NewContainer("web"), {VolumeMount("evil", "/etc")}),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("not a directory of its own")));
  EXPECT_THAT(*ListDir(target), IsEmpty());  // nothing copied there either
}

TEST_F(VolumesTest, HostileNamesAreRefused) {
  std::string id = NewContainer("web");
  for (const std::string& name :
       {std::string("../../etc"), std::string("a/b"), std::string(".."),
        std::string("x"), std::string(300, 'a')}) {
    EXPECT_THAT(Prepare(id, {VolumeMount(name, "/v")}),
                StatusIs(absl::StatusCode::kInvalidArgument, ::testing::_))
        << name;
  }
  EXPECT_THAT(*ListDir(JoinPath(root_, "volumes")), IsEmpty());
}

TEST_F(VolumesTest, DriverOptionsAreRefusedRatherThanIgnored) {
  VolumeCreateOptions o;
  o.name = "tmp";
  o.options = {{"type", "tmpfs"}, {"device", "tmpfs"}};
  ASSERT_OK(volumes_->Create(o).status());
  EXPECT_THAT(Prepare(NewContainer("web"), {VolumeMount("tmp", "/t")}),
              StatusIs(absl::StatusCode::kUnimplemented,
                       HasSubstr("volume tmp has options")));
}

}  // namespace
}  // namespace crate::engine
