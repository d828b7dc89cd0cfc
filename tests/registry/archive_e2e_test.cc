// ImageService::Load and Save against the real peer: archives skopeo made
// (oci-archive and docker-archive) of every fixture image are loaded and
// their root file systems compared with the fixture's description and with
// what umoci unpacks; archives crate saved are inspected and copied by
// skopeo, unpacked by umoci, pushed and pulled back, loaded by podman; the
// fixture's hostile images, archived by skopeo, are refused with the stores
// as they were; and the crate-image-archive tool does the same from the
// command line.
#include <sys/stat.h>
#include <unistd.h>

#include <map>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "registry/images/image_service.h"
#include "runtime/base/file_util.h"
#include "runtime/base/status_matchers.h"
#include "tests/fixtures/fixtures.h"
#include "tests/fixtures/shared_registry_test.h"
#include "tests/registry/e2e_util.h"

namespace crate::registry {
namespace {

using ::crate::fixtures::CommandResult;
using ::crate::fixtures::RunCommand;
using ::crate::fixtures::TestImages;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// Runs a command that must succeed; its standard output.
std::string MustRun(const std::vector<std::string>& argv) {
  absl::StatusOr<CommandResult> r = RunCommand(argv);
  EXPECT_OK(r.status());
  if (!r.ok()) return "";
  EXPECT_EQ(r->exit_code, 0) << absl::StrJoin(argv, " ") << ": " << r->err;
  return r->out;
}

std::vector<std::string> Strings(const std::vector<Digest>& digests) {
  std::vector<std::string> out;
  for (const Digest& d : digests) out.push_back(d.ToString());
  return out;
}

class ArchiveE2eTest : public crate::fixtures::SharedRegistryTest {
 protected:
  void SetUp() override {
    SharedRegistryTest::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_FALSE(tmp_.path().empty());
    service_ = Service("root");
    ASSERT_NE(service_, nullptr);
  }

  std::unique_ptr<ImageService> Service(const std::string& name) {
    absl::StatusOr<std::unique_ptr<ImageService>> s =
        ImageService::Open(JoinPath(tmp_.path(), name));
    EXPECT_OK(s.status());
    return s.ok() ? *std::move(s) : nullptr;
  }

  std::string Path(const std::string& name) {
    return JoinPath(tmp_.path(), name);
  }

  // skopeo copy from the registry into `dest` ("oci-archive:PATH:NAME").
  void CopyFromRegistry(const std::string& reference, const std::string& dest,
                        bool all = false) {
    std::vector<std::string> argv = {"skopeo", "copy", "-q",
                                     "--src-tls-verify=false"};
    if (all) argv.push_back("--all");
    argv.push_back("docker://" + reference);
    argv.push_back(dest);
    MustRun(argv);
  }

  // The root file system of `image` (as a copy, and as a mounted overlay)
  // checked against the fixture's description of `name`.
  void ExpectRootfsMatches(ImageService& service, const std::string& image,
                           const std::string& name, const std::string& what) {
    const nlohmann::json& desc = images().json["images"][name];
    const std::string id = absl::StrCat("c", ++containers_);
    ASSERT_OK_AND_ASSIGN(RootfsSpec copy,
                         service.PrepareRootfs(id, image, {true}));
    ExpectTreeMatches(copy.path, desc, what + " (copy)");
    EXPECT_OK(service.ReleaseRootfs(id));
    ASSERT_OK_AND_ASSIGN(RootfsSpec ov, service.PrepareRootfs(id, image));
    ASSERT_TRUE(ov.overlay);
    ASSERT_OK(mounter_.Mount(ov.mount));
    tmp_.NoteMount(ov.mount.target);
    ExpectTreeMatches(ov.path, desc, what + " (overlay)");
    EXPECT_OK(mounter_.Unmount(ov.mount.target));
    EXPECT_OK(service.ReleaseRootfs(id));
  }

  std::map<std::string, std::string> Tree(ImageService& service,
                                          const std::string& image) {
    std::map<std::string, std::string> tree;
    const std::string id = absl::StrCat("t", ++containers_);
    absl::StatusOr<RootfsSpec> fs = service.PrepareRootfs(id, image, {true});
    EXPECT_OK(fs.status());
    if (!fs.ok()) return tree;
    DescribeTree(fs->path, "", tree);
    EXPECT_OK(service.ReleaseRootfs(id));
    return tree;
  }

  // What umoci unpacks from the OCI layout skopeo writes from `source`.
  std::map<std::string, std::string> UmociTree(const std::string& source,
                                               const std::string& name) {
    const std::string layout = Path("umoci-" + name);
    const std::string bundle = Path("bundle-" + name);
    MustRun({"skopeo", "copy", "-q", "--src-tls-verify=false", source,
             "oci:" + layout + ":x"});
    MustRun({"umoci", "unpack", "--image", layout + ":x", bundle});
    std::map<std::string, std::string> tree;
    DescribeTree(JoinPath(bundle, "rootfs"), "", tree);
    return tree;
  }

  TempDir tmp_{"archive-e2e"};
  std::unique_ptr<ImageService> service_;
  SyscallMounter mounter_;
  int containers_ = 0;
};

TEST_F(ArchiveE2eTest, SkopeoArchivesLoadAsTheFixtureDescribes) {
  int n = 0;
  for (const auto& [name, image] : images().images) {
    const nlohmann::json& desc = images().json["images"][name];
    for (ArchiveFormat format :
         {ArchiveFormat::kOciArchive, ArchiveFormat::kDockerArchive}) {
      const std::string fmt(ArchiveFormatName(format));
      SCOPED_TRACE(name + " " + fmt);
      // skopeo cannot write zstd layers into Docker's format.
      if (format == ArchiveFormat::kDockerArchive &&
          absl::StrContains(name, "zstd")) {
        continue;
      }
      const std::string path = Path(absl::StrCat(fmt, "-", ++n, ".tar"));
      const bool index = absl::StartsWith(name, "multiarch");
      LoadOptions options;
      std::string want = absl::StrCat("docker.io/crate-e2e/", name, ":", fmt);
      if (format == ArchiveFormat::kOciArchive && index) {
        // The whole index, named by a bare tag: the host's platform is
        // chosen, the name comes with the load.
        CopyFromRegistry(image.reference, absl::StrCat(fmt, ":", path, ":1"),
                         /*all=*/true);
        options.name = "crate-e2e/" + name;
        want = absl::StrCat("docker.io/crate-e2e/", name, ":1");
      } else {
        CopyFromRegistry(
            image.reference,
            absl::StrCat(fmt, ":", path, ":crate-e2e/", name, ":", fmt));
      }
      ASSERT_OK_AND_ASSIGN(LoadResult loaded, service_->Load(path, options));
      EXPECT_EQ(loaded.format, format);
      ASSERT_EQ(loaded.images.size(), 1u);
      ASSERT_EQ(loaded.images[0].tags.size(), 1u);
      EXPECT_EQ(loaded.images[0].tags[0].String(), want);
      // skopeo keeps the config as it is: the image ID is the fixture's.
      if (desc["config"].contains("digest")) {
        EXPECT_EQ(loaded.images[0].record.config_digest.ToString(),
                  desc["config"]["digest"].get<std::string>());
      }
      // An OCI manifest goes into the archive as it is, unless skopeo
      // compresses the layers (it does an uncompressed one).
      if (format == ArchiveFormat::kOciArchive && !index &&
          image.media_type == "application/vnd.oci.image.manifest.v1+json" &&
          !absl::StrContains(name, "uncompressed")) {
        EXPECT_EQ(loaded.images[0].record.manifest_digest.ToString(),
                  image.digest);
      }
      ExpectRootfsMatches(*service_, want, name, name + " from " + fmt);
    }
  }
  ASSERT_OK_AND_ASSIGN(ServiceVerifyReport verify, service_->Verify());
  EXPECT_THAT(verify.content.problems, IsEmpty());
  EXPECT_THAT(verify.image_problems, IsEmpty());
  // The records hold every blob and snapshot a load stored: with the images
  // gone, GC leaves nothing.
  ASSERT_OK(service_->Prune({/*all=*/true}).status());
  ASSERT_OK(service_->GarbageCollect().status());
  StoreState after = Snapshot(*service_);
  EXPECT_THAT(after.blobs, IsEmpty());
  EXPECT_THAT(after.snapshots, IsEmpty());
}

TEST_F(ArchiveE2eTest, RootfsIsWhatUmociUnpacks) {
  for (const std::string name : {"layers", "busybox-v2s2"}) {
    SCOPED_TRACE(name);
    const std::string ref = images().images.at(name).reference;
    std::map<std::string, std::string> want =
        UmociTree("docker://" + ref, name);
    ASSERT_FALSE(want.empty());
    for (const std::string fmt : {"oci-archive", "docker-archive"}) {
      SCOPED_TRACE(fmt);
      const std::string path = Path(name + "." + fmt);
      const std::string tag = "crate-e2e/" + name + ":" + fmt;
      CopyFromRegistry(ref, fmt + ":" + path + ":" + tag);
      ASSERT_OK(service_->Load(path).status());
      EXPECT_EQ(Tree(*service_, tag), want);
    }
  }
}

TEST_F(ArchiveE2eTest, SavedArchivesAreReadBySkopeoUmociAndPodman) {
  const std::vector<std::string> names = {"layers", "busybox-v2s2",
                                          "busybox-zstd"};
  std::vector<std::string> refs;
  std::map<std::string, PullResult> pulled;
  for (const std::string& name : names) {
    const std::string ref = images().images.at(name).reference;
    ASSERT_OK_AND_ASSIGN(pulled[name], service_->Pull(ref));
    refs.push_back(ref);
  }
  const std::string oci = Path("saved-oci.tar");
  const std::string docker = Path("saved-docker.tar");
  ASSERT_OK(service_->Save(refs, ArchiveFormat::kOciArchive, oci));
  ASSERT_OK(service_->Save(refs, ArchiveFormat::kDockerArchive, docker));

  for (const std::string& name : names) {
    SCOPED_TRACE(name);
    const PullResult& p = pulled[name];
    const std::string ref = p.reference.String();
    ASSERT_OK_AND_ASSIGN(registry::Image image, service_->Inspect(ref));
    // oci-archive: the image's layers under its name, and its own manifest
    // when it was an OCI one (a Docker one is converted, as skopeo does).
    nlohmann::json inspected = nlohmann::json::parse(
        MustRun({"skopeo", "inspect", "oci-archive:" + oci + ":" + ref}),
        nullptr, false);
    ASSERT_TRUE(inspected.is_object());
    EXPECT_THAT(inspected["Layers"].get<std::vector<std::string>>(),
                ElementsAreArray(Strings(p.record.layers)));
    if (p.record.manifest_media_type ==
        "application/vnd.oci.image.manifest.v1+json") {
      EXPECT_EQ(inspected["Digest"], p.record.manifest_digest.ToString());
    }
    // docker-archive: the uncompressed layers, named by the image's tag.
    inspected = nlohmann::json::parse(
        MustRun({"skopeo", "inspect", "docker-archive:" + docker + ":" + ref}),
        nullptr, false);
    ASSERT_TRUE(inspected.is_object());
    EXPECT_THAT(inspected["Layers"].get<std::vector<std::string>>(),
                ElementsAreArray(Strings(image.config.diff_ids)));
    EXPECT_EQ(inspected["Name"], p.reference.NameOnly().String());

    // umoci unpacks what skopeo takes from the archive as the fixture
    // describes it (umoci reads no zstd layers).
    const nlohmann::json& desc = images().json["images"][name];
    if (!absl::StrContains(name, "zstd")) {
      for (const std::string& src : {"oci-archive:" + oci + ":" + ref,
                                     "docker-archive:" + docker + ":" + ref}) {
        SCOPED_TRACE(src);
        const std::string layout = Path("from-saved");
        const std::string bundle = Path("from-saved-bundle");
        RemoveTree(layout).IgnoreError();
        RemoveTree(bundle).IgnoreError();
        MustRun({"skopeo", "copy", "-q", src, "oci:" + layout + ":x"});
        MustRun({"umoci", "unpack", "--image", layout + ":x", bundle});
        ExpectTreeMatches(JoinPath(bundle, "rootfs"), desc, src);
      }
    }

    // Pushed by skopeo from the docker-archive and pulled back by crate:
    // the same image ID and tree.
    const std::string pushed =
        registry().host() + "/crate-saved/" + name + ":docker";
    MustRun({"skopeo", "copy", "-q", "--dest-tls-verify=false",
             "docker-archive:" + docker + ":" + ref, "docker://" + pushed});
    std::unique_ptr<ImageService> puller = Service("puller-" + name);
    ASSERT_OK_AND_ASSIGN(PullResult back, puller->Pull(pushed));
    EXPECT_EQ(back.record.config_digest, p.record.config_digest);
    ExpectRootfsMatches(*puller, pushed, name, "pushed from the archive");
  }

  // Load reads both back: the same images under the same names.
  for (const std::string& path : {oci, docker}) {
    SCOPED_TRACE(path);
    std::unique_ptr<ImageService> fresh =
        Service("fresh-" + std::to_string(path.size()) +
                (path == oci ? "oci" : "docker"));
    ASSERT_OK(fresh->Load(path).status());
    for (const std::string& name : names) {
      const PullResult& p = pulled[name];
      ASSERT_OK_AND_ASSIGN(ResolvedImage r,
                           fresh->Resolve(p.reference.String()));
      EXPECT_EQ(r.record.config_digest, p.record.config_digest) << name;
    }
    ExpectRootfsMatches(*fresh, pulled["layers"].reference.String(), "layers",
                        "loaded back");
  }

  // podman loads them (one image per OCI archive: podman cannot choose
  // from several).
  const std::string one = Path("saved-one-oci.tar");
  ASSERT_OK(service_->Save({refs[0]}, ArchiveFormat::kOciArchive, one));
  // podman refuses a run root longer than 50 characters.
  TempDir podman_dir("crate-podman", "/tmp");
  ASSERT_FALSE(podman_dir.path().empty());
  const std::vector<std::string> podman = {"podman",
                                           "--root",
                                           JoinPath(podman_dir.path(), "root"),
                                           "--runroot",
                                           JoinPath(podman_dir.path(), "run"),
                                           "--storage-driver",
                                           "vfs"};
  for (const std::string& archive : {one, docker}) {
    std::vector<std::string> argv = podman;
    argv.insert(argv.end(), {"load", "-i", archive});
    EXPECT_THAT(MustRun(argv), HasSubstr(pulled["layers"].reference.String()));
  }
  std::vector<std::string> list = podman;
  list.insert(list.end(), {"images", "--format", "{{.Repository}}:{{.Tag}}"});
  const std::string listed = MustRun(list);
  for (const std::string& name : names) {
    EXPECT_THAT(listed, HasSubstr(pulled[name].reference.String())) << name;
  }
}

TEST_F(ArchiveE2eTest, HostileFixtureArchivesAreRefused) {
  ASSERT_OK_AND_ASSIGN(TestImages evil,
                       crate::fixtures::BuildEvilImages(Path("evil")));
  ASSERT_FALSE(evil.images.empty());
  int n = 0;
  for (bool with_busybox : {false, true}) {
    std::unique_ptr<ImageService> service =
        Service(with_busybox ? "evil-with-busybox" : "evil-empty");
    if (with_busybox) {
      ASSERT_OK(service->Pull(Image("busybox").reference).status());
    }
    for (const auto& [name, image] : evil.images) {
      const nlohmann::json& e = evil.json["images"][name]["evil"];
      for (const std::string fmt : {"oci-archive", "docker-archive"}) {
        SCOPED_TRACE(name + " " + fmt + (with_busybox ? " over busybox" : ""));
        const std::string path = Path(absl::StrCat("evil-", ++n, ".tar"));
        MustRun({"skopeo", "copy", "-q",
                 "oci:" + image.layout + ":" +
                     evil.json["images"][name]["layout_ref"].get<std::string>(),
                 fmt + ":" + path + ":crate-e2e/evil:" + std::to_string(n)});
        for (const auto& [p, content] : e["sentinels"].items()) {
          if (p[0] == '/') {
            ASSERT_OK(WriteFileAtomic(p, content.get<std::string>(), 0644));
          }
        }
        StoreState before = Snapshot(*service);
        absl::StatusOr<LoadResult> r = service->Load(path);
        ASSERT_FALSE(r.ok()) << "a hostile archive was loaded";
        const std::string msg(r.status().message());
        EXPECT_THAT(msg, HasSubstr(path));
        EXPECT_THAT(msg, HasSubstr("layer 2"));
        EXPECT_THAT(msg, HasSubstr("crate-e2e/evil:" + std::to_string(n)));
        StoreState after = Snapshot(*service);
        EXPECT_TRUE(after == before) << "before:\n"
                                     << Describe(before) << "\nafter:\n"
                                     << Describe(after);
        EXPECT_THAT(after.ingest, IsEmpty());
        for (const auto& p : e["must_not_exist"]) {
          const std::string s = p.get<std::string>();
          struct stat st;
          if (s[0] == '/') {
            EXPECT_NE(lstat(s.c_str(), &st), 0) << s;
          }
        }
        for (const auto& [p, content] : e["sentinels"].items()) {
          if (p[0] != '/') continue;
          absl::StatusOr<std::string> now = ReadFile(p, 1 << 20);
          EXPECT_TRUE(now.ok() && *now == content.get<std::string>()) << p;
          unlink(p.c_str());
        }
      }
    }
    ASSERT_OK_AND_ASSIGN(ServiceVerifyReport verify, service->Verify());
    EXPECT_THAT(verify.content.problems, IsEmpty());
  }
}

TEST_F(ArchiveE2eTest, TheToolLoadsAndSaves) {
  const std::string tool = RunfilePath("registry/images/crate-image-archive");
  const std::string root = Path("tool-root");
  const std::string archive = Path("tool.tar");
  CopyFromRegistry(Image("busybox").reference,
                   "docker-archive:" + archive + ":crate-e2e/busybox:tool");
  EXPECT_EQ(MustRun({tool, "load", archive, root}),
            "Loaded image: docker.io/crate-e2e/busybox:tool\n");
  const std::string saved = Path("tool-saved.tar");
  MustRun({tool, "save", "--format", "oci-archive", "--output", saved, root,
           "crate-e2e/busybox:tool"});
  nlohmann::json inspected = nlohmann::json::parse(
      MustRun({"skopeo", "inspect",
               "oci-archive:" + saved + ":docker.io/crate-e2e/busybox:tool"}),
      nullptr, false);
  EXPECT_EQ(inspected["Layers"].size(), 1u);

  // A refusal exits non-zero and says why.
  const std::string junk = Path("junk.tar");
  ASSERT_OK(WriteFileAtomic(junk, "not a tar"));
  ASSERT_OK_AND_ASSIGN(CommandResult r, RunCommand({tool, "load", junk, root}));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.err, HasSubstr(junk));
}

}  // namespace
}  // namespace crate::registry
