// End to end through ImageService against a real docker-registry with the
// images skopeo pushed (tests/fixtures): every fixture image pulled without
// auth, with basic auth and over TLS, and its root file system compared with
// what the fixture describes (the tree umoci unpacks, see the fixture's own
// test); a push read back by skopeo; a pull killed mid-layer and resumed;
// hostile layers and lying manifests refused with the store unchanged.
#include <fcntl.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "registry/images/image_service.h"
#include "registry/unpack/layer.h"
#include "runtime/base/file_util.h"
#include "runtime/base/status_matchers.h"
#include "runtime/base/unique_fd.h"
#include "tests/fixtures/fixtures.h"
#include "tests/registry/e2e_util.h"

namespace crate::registry {
namespace {

using ::crate::fixtures::LocalRegistry;
using ::crate::fixtures::RegistryOptions;
using ::crate::fixtures::RunCommand;
using ::crate::fixtures::TestImages;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// docker's certs.d layout for one registry: <dir>/<host:port>/ca.crt.
RegistryAccess AccessFor(const LocalRegistry& registry,
                         const std::string& dir) {
  RegistryAccess access;
  if (!registry.auth_file().empty()) access.auth_files = {registry.auth_file()};
  access.certs_dir = JoinPath(dir, "certs.d");
  if (registry.tls()) {
    std::string host_dir = JoinPath(access.certs_dir, registry.host());
    EXPECT_OK(MakeDirs(host_dir));
    absl::StatusOr<std::string> ca = ReadFile(registry.ca_cert(), 1 << 20);
    EXPECT_OK(ca.status());
    if (ca.ok()) {
      EXPECT_OK(WriteFileAtomic(JoinPath(host_dir, "ca.crt"), *ca, 0644));
    }
  }
  return access;
}

// A registry with some of the test images, a scratch directory and an
// image service rooted in it: what most tests here start from.
class RegistryPullTest : public ::testing::Test {
 protected:
  void Start(const std::vector<std::string>& names) {
    ASSERT_OK_AND_ASSIGN(registry_, LocalRegistry::Start());
    ASSERT_OK_AND_ASSIGN(
        images_, crate::fixtures::PushTestImages(*registry_, "", names));
    ASSERT_FALSE(tmp_.path().empty());
    ASSERT_OK_AND_ASSIGN(service_,
                         ImageService::Open(JoinPath(tmp_.path(), "root")));
  }

  // Destroyed in reverse: the service, the scratch tree, the registry.
  std::unique_ptr<LocalRegistry> registry_;
  TestImages images_;
  TempDir tmp_{"pull-e2e"};
  std::unique_ptr<ImageService> service_;
};
using PullOptionsTest = RegistryPullTest;
using PushTest = RegistryPullTest;
using RefusedPullTest = RegistryPullTest;
using StoredImageTest = RegistryPullTest;
using UmociTest = RegistryPullTest;

enum class Variant { kPlain, kBasicAuth, kToken, kTls };

class PullEveryImageTest : public ::testing::TestWithParam<Variant> {};

TEST_P(PullEveryImageTest, TreesMatchTheFixture) {
  RegistryOptions options;
  options.auth = GetParam() == Variant::kBasicAuth;
  options.token = GetParam() == Variant::kToken;
  options.tls = GetParam() == Variant::kTls;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<LocalRegistry> registry,
                       LocalRegistry::Start(options));
  ASSERT_OK_AND_ASSIGN(TestImages images,
                       crate::fixtures::PushTestImages(*registry));
  TempDir tmp("pull-e2e");
  ASSERT_FALSE(tmp.path().empty());
  ASSERT_FALSE(tmp.path().empty());
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ImageService> service,
                       ImageService::Open(JoinPath(tmp.path(), "root"),
                                          AccessFor(*registry, tmp.path())));
  SyscallMounter mounter;
  int n = 0;
  for (const auto& [name, image] : images.images) {
    SCOPED_TRACE(name);
    const nlohmann::json& desc = images.json["images"][name];
    ASSERT_OK_AND_ASSIGN(PullResult pulled, service->Pull(image.reference));
    EXPECT_EQ(pulled.top_digest.ToString(), image.digest);
    std::vector<std::string> layers;
    for (const Digest& d : pulled.record.layers) layers.push_back(d.ToString());
    EXPECT_EQ(layers, image.layer_digests);
    for (const std::string& l : image.layer_digests) {
      ASSERT_OK_AND_ASSIGN(Digest d, Digest::Parse(l));
      EXPECT_TRUE(service->content().Has(d)) << l;
    }
    ASSERT_OK_AND_ASSIGN(ResolvedImage resolved,
                         service->Resolve(image.reference));
    EXPECT_EQ(resolved.record.manifest_digest, pulled.record.manifest_digest);
    if (!desc.contains("files")) continue;

    // The plain-copy fallback: whiteouts applied by deleting.
    const std::string copy_id = absl::StrCat("copy-", n);
    ASSERT_OK_AND_ASSIGN(RootfsSpec copy,
                         service->PrepareRootfs(copy_id, image.reference,
                                                {/*force_copy=*/true}));
    EXPECT_FALSE(copy.overlay);
    ExpectTreeMatches(copy.path, desc, name + " (copy)");
    EXPECT_OK(service->ReleaseRootfs(copy_id));

    // The overlay of the shared snapshots.
    const std::string mount_id = absl::StrCat("overlay-", n++);
    ASSERT_OK_AND_ASSIGN(RootfsSpec ov,
                         service->PrepareRootfs(mount_id, image.reference));
    ASSERT_TRUE(ov.overlay);
    ASSERT_OK(mounter.Mount(ov.mount));
    tmp.NoteMount(ov.mount.target);
    ExpectTreeMatches(ov.path, desc, name + " (overlay)");
    EXPECT_OK(mounter.Unmount(ov.mount.target));
    EXPECT_OK(service->ReleaseRootfs(mount_id));
  }
  ASSERT_OK_AND_ASSIGN(std::vector<ImageSummary> list, service->List());
  EXPECT_FALSE(list.empty());
  ASSERT_OK_AND_ASSIGN(ServiceVerifyReport verify, service->Verify());
  EXPECT_THAT(verify.content.problems, IsEmpty());
  EXPECT_THAT(verify.image_problems, IsEmpty());

  // Everything removed: GC leaves no blob and no snapshot.
  ASSERT_OK(service->Prune({/*all=*/true}).status());
  ASSERT_OK_AND_ASSIGN(ServiceGcReport gc, service->GarbageCollect());
  EXPECT_FALSE(gc.removed_snapshots.empty());
  StoreState after = Snapshot(*service);
  EXPECT_THAT(after.blobs, IsEmpty());
  EXPECT_THAT(after.snapshots, IsEmpty());
}

INSTANTIATE_TEST_SUITE_P(Registries, PullEveryImageTest,
                         ::testing::Values(Variant::kPlain, Variant::kBasicAuth,
                                           Variant::kToken, Variant::kTls),
                         [](const ::testing::TestParamInfo<Variant>& info) {
                           switch (info.param) {
                             case Variant::kPlain:
                               return "Plain";
                             case Variant::kBasicAuth:
                               return "BasicAuth";
                             case Variant::kToken:
                               return "Token";
                             case Variant::kTls:
                               return "Tls";
                           }
                           return "Unknown";
                         });

std::vector<std::string> SkopeoArgs(const LocalRegistry& registry,
                                    std::vector<std::string> args,
                                    const std::string& side) {
  std::vector<std::string> argv = {"skopeo", args[0]};
  for (const std::string& f : registry.SkopeoFlags(side)) argv.push_back(f);
  if (!registry.tls()) {
    argv.push_back(side.empty() ? "--tls-verify=false"
                                : "--" + side + "-tls-verify=false");
  }
  argv.insert(argv.end(), args.begin() + 1, args.end());
  return argv;
}

TEST_F(UmociTest, RootfsIsWhatSkopeoAndUmociUnpack) {
  ASSERT_NO_FATAL_FAILURE(Start({"layers", "busybox-v2s2"}));
  SyscallMounter mounter;
  for (const auto& [name, image] : images_.images) {
    SCOPED_TRACE(name);
    const std::string oci = JoinPath(tmp_.path(), "oci-" + name);
    const std::string bundle = JoinPath(tmp_.path(), "bundle-" + name);
    ASSERT_OK_AND_ASSIGN(
        fixtures::CommandResult copy,
        RunCommand({"skopeo", "copy", "-q", "--src-tls-verify=false",
                    "docker://" + image.reference, "oci:" + oci + ":x"}));
    ASSERT_EQ(copy.exit_code, 0) << copy.err;
    ASSERT_OK_AND_ASSIGN(
        fixtures::CommandResult unpack,
        RunCommand({"umoci", "unpack", "--image", oci + ":x", bundle}));
    ASSERT_EQ(unpack.exit_code, 0) << unpack.err;
    std::map<std::string, std::string> want;
    DescribeTree(JoinPath(bundle, "rootfs"), "", want);
    ASSERT_FALSE(want.empty());

    ASSERT_OK(service_->Pull(image.reference).status());
    ASSERT_OK_AND_ASSIGN(
        RootfsSpec copied,
        service_->PrepareRootfs("copy-" + name, image.reference, {true}));
    std::map<std::string, std::string> got;
    DescribeTree(copied.path, "", got);
    EXPECT_EQ(got, want) << "copy fallback";
    EXPECT_OK(service_->ReleaseRootfs("copy-" + name));

    ASSERT_OK_AND_ASSIGN(
        RootfsSpec ov, service_->PrepareRootfs("ov-" + name, image.reference));
    ASSERT_OK(mounter.Mount(ov.mount));
    tmp_.NoteMount(ov.mount.target);
    std::map<std::string, std::string> merged;
    DescribeTree(ov.path, "", merged);
    EXPECT_EQ(merged, want) << "overlay";
    EXPECT_OK(mounter.Unmount(ov.mount.target));
    EXPECT_OK(service_->ReleaseRootfs("ov-" + name));
  }
}

TEST_F(PushTest, SkopeoPullsBackWhatCratePushed) {
  ASSERT_NO_FATAL_FAILURE(Start({"layers"}));
  const auto& layers = images_.images.at("layers");
  ASSERT_OK_AND_ASSIGN(PullResult pulled, service_->Pull(layers.reference));
  ASSERT_OK(service_->Tag(layers.reference, "local/copy:v1"));

  const std::string dest = registry_->host() + "/crate-copy/layers:pushed";
  ASSERT_OK_AND_ASSIGN(PushResult pushed,
                       service_->Push("local/copy:v1", dest));
  EXPECT_EQ(pushed.manifest_digest, pulled.record.manifest_digest);

  ASSERT_OK_AND_ASSIGN(
      fixtures::CommandResult inspect,
      RunCommand(SkopeoArgs(
          *registry_,
          {"inspect", "--format", "{{.Digest}}", "docker://" + dest}, "")));
  ASSERT_EQ(inspect.exit_code, 0) << inspect.err;
  EXPECT_EQ(absl::StripAsciiWhitespace(inspect.out),
            pulled.record.manifest_digest.ToString());
  ASSERT_OK_AND_ASSIGN(
      fixtures::CommandResult copy,
      RunCommand(SkopeoArgs(*registry_,
                            {"copy", "-q", "docker://" + dest,
                             "oci:" + JoinPath(tmp_.path(), "oci") + ":x"},
                            "src")));
  EXPECT_EQ(copy.exit_code, 0) << copy.err;

  // Pushed again: the registry has every blob, nothing is uploaded.
  ASSERT_OK_AND_ASSIGN(PushResult again, service_->Push("local/copy:v1", dest));
  EXPECT_EQ(again.blobs_uploaded, 0u);

  // Removing one of two tags keeps the image; removing the last removes it.
  ASSERT_OK_AND_ASSIGN(RemoveReport untag, service_->Remove("local/copy:v1"));
  EXPECT_THAT(untag.deleted, IsEmpty());
  ASSERT_OK_AND_ASSIGN(RemoveReport gone, service_->Remove(layers.reference));
  EXPECT_THAT(gone.deleted,
              ::testing::ElementsAre(pulled.record.manifest_digest));
  ASSERT_OK_AND_ASSIGN(ServiceGcReport gc, service_->GarbageCollect());
  EXPECT_EQ(gc.removed_snapshots.size(), 3u);
  EXPECT_THAT(Snapshot(*service_).blobs, IsEmpty());
}

TEST_F(StoredImageTest, RootfsFromStoredBlobsAndVerify) {
  ASSERT_NO_FATAL_FAILURE(Start({"layers"}));
  const auto& layers = images_.images.at("layers");
  ASSERT_OK_AND_ASSIGN(PullResult pulled, service_->Pull(layers.reference));
  // Registry gone: a snapshot removed behind crate's back is unpacked
  // again from the stored blob.
  ASSERT_OK(registry_->Stop());
  ASSERT_OK(service_->snapshots().Remove(pulled.chain_ids[1].ToString()));
  ASSERT_OK_AND_ASSIGN(RootfsSpec fs,
                       service_->PrepareRootfs("c1", layers.reference, {true}));
  EXPECT_TRUE(service_->snapshots().Exists(pulled.chain_ids[1].ToString()));
  ExpectTreeMatches(fs.path, images_.json["images"]["layers"], "re-unpacked");
  EXPECT_OK(service_->ReleaseRootfs("c1"));

  // A blob corrupted on disk is found by Verify, with the image it breaks.
  const std::string blob =
      service_->content().BlobPath(pulled.record.layers[1]);
  ASSERT_EQ(chmod(blob.c_str(), 0644), 0);
  ASSERT_OK_AND_ASSIGN(std::string bytes, ReadFile(blob, 1 << 30));
  bytes[bytes.size() / 2] ^= 0x55;
  ASSERT_OK(WriteFileAtomic(blob, bytes, 0444));
  ASSERT_OK_AND_ASSIGN(ServiceVerifyReport bad, service_->Verify(true));
  ASSERT_EQ(bad.content.problems.size(), 1u);
  EXPECT_THAT(bad.content.problems[0].path,
              HasSubstr(pulled.record.layers[1].hex()));
  ASSERT_EQ(bad.image_problems.size(), 1u);
  EXPECT_THAT(bad.image_problems[0], HasSubstr(layers.reference));
}

TEST(ConcurrencyTest, PullsOfOneImageAndGarbageCollectionAtOnce) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<LocalRegistry> registry,
                       LocalRegistry::Start());
  ASSERT_OK_AND_ASSIGN(TestImages images, crate::fixtures::PushTestImages(
                                              *registry, "", {"layers"}));
  TempDir tmp("pull-e2e");
  ASSERT_FALSE(tmp.path().empty());
  const std::string root = JoinPath(tmp.path(), "root");
  const std::string ref = images.images.at("layers").reference;
  // One service per thread, as separate processes would have.
  std::vector<absl::Status> pulls(3);
  std::atomic<bool> stop{false};
  absl::Status gc_status;
  std::thread gc([&] {
    absl::StatusOr<std::unique_ptr<ImageService>> s = ImageService::Open(root);
    if (!s.ok()) {
      gc_status = s.status();
      return;
    }
    while (!stop) {
      absl::StatusOr<ServiceGcReport> r = (*s)->GarbageCollect();
      if (!r.ok()) {
        gc_status = r.status();
        return;
      }
    }
  });
  std::vector<std::thread> pullers;
  for (size_t i = 0; i < pulls.size(); ++i) {
    pullers.emplace_back([&, i] {
      absl::StatusOr<std::unique_ptr<ImageService>> s =
          ImageService::Open(root);
      pulls[i] = s.ok() ? (*s)->Pull(ref).status() : s.status();
    });
  }
  for (std::thread& t : pullers) t.join();
  stop = true;
  gc.join();
  for (const absl::Status& p : pulls) EXPECT_OK(p);
  EXPECT_OK(gc_status);

  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ImageService> service,
                       ImageService::Open(root));
  ASSERT_OK_AND_ASSIGN(ServiceGcReport gc_after, service->GarbageCollect());
  EXPECT_THAT(gc_after.removed_snapshots, IsEmpty());
  EXPECT_THAT(gc_after.content.removed_blobs, IsEmpty());
  ASSERT_OK_AND_ASSIGN(ServiceVerifyReport verify, service->Verify());
  EXPECT_THAT(verify.content.problems, IsEmpty());
  EXPECT_THAT(verify.image_problems, IsEmpty());
  ASSERT_OK_AND_ASSIGN(RootfsSpec fs,
                       service->PrepareRootfs("c1", ref, {true}));
  ExpectTreeMatches(fs.path, images.json["images"]["layers"], "concurrent");
  EXPECT_OK(service->ReleaseRootfs("c1"));
}

TEST_F(PullOptionsTest, PlatformOverrideAndProgress) {
  ASSERT_NO_FATAL_FAILURE(Start({"multiarch"}));
  const auto& multiarch = images_.images.at("multiarch");
  PullOptions options;
  ASSERT_OK_AND_ASSIGN(options.platform, ParsePlatform("linux/arm64"));
  std::vector<PullProgress> seen;
  options.progress = [&](const PullProgress& p) { seen.push_back(p); };
  ASSERT_OK_AND_ASSIGN(PullResult arm,
                       service_->Pull(multiarch.reference, options));
  EXPECT_EQ(arm.record.platform, "linux/arm64/v8");
  EXPECT_EQ(arm.record.index_digest, arm.top_digest);
  ASSERT_GE(seen.size(), 3u);
  EXPECT_EQ(seen.front().stage, PullProgress::Stage::kResolved);
  EXPECT_EQ(seen.back().stage, PullProgress::Stage::kRecorded);
  EXPECT_EQ(seen.back().layers_done, seen.back().layers_total);

  // The host's platform by default: another manifest of the same index,
  // sharing the layer (and so its snapshot).
  ASSERT_OK_AND_ASSIGN(PullResult host, service_->Pull(multiarch.reference));
  EXPECT_NE(host.record.manifest_digest, arm.record.manifest_digest);
  EXPECT_EQ(host.record.platform, HostPlatform().ToString());
  EXPECT_EQ(host.chain_ids, arm.chain_ids);
  // Only the new config crossed the wire: the layer was there already.
  EXPECT_LT(host.stats.blob_bytes, host.record.layer_sizes[0]);
  // By digest: nothing is tagged, the record names the digest.
  const std::string by_digest = registry_->host() + "/" + multiarch.repository +
                                "@" + host.record.manifest_digest.ToString();
  ASSERT_OK_AND_ASSIGN(PullResult pinned, service_->Pull(by_digest));
  EXPECT_EQ(pinned.record.manifest_digest, host.record.manifest_digest);
  ASSERT_OK_AND_ASSIGN(ResolvedImage resolved, service_->Resolve(by_digest));
  EXPECT_EQ(resolved.record.manifest_digest, host.record.manifest_digest);
}

TEST(KilledPullTest, LeavesNothingPresentAndResumes) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<LocalRegistry> registry,
                       LocalRegistry::Start());
  TempDir tmp("pull-e2e");
  ASSERT_FALSE(tmp.path().empty());
  const std::string layout = JoinPath(tmp.path(), "layout");
  ASSERT_OK_AND_ASSIGN(
      fixtures::CommandResult made,
      RunCommand({"python3", RunfilePath("tests/bench/make_big_image.py"),
                  layout, "--layers", "1", "--layer-mib", "24"}));
  ASSERT_EQ(made.exit_code, 0) << made.err;
  const std::string ref = registry->host() + "/bench/big:latest";
  ASSERT_OK_AND_ASSIGN(
      fixtures::CommandResult push,
      RunCommand({"skopeo", "copy", "-q", "--dest-tls-verify=false",
                  "oci:" + layout + ":latest", "docker://" + ref}));
  ASSERT_EQ(push.exit_code, 0) << push.err;

  const std::string root = JoinPath(tmp.path(), "root");
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    const std::string tool = RunfilePath("registry/images/crate-pull");
    int null = open("/dev/null", O_WRONLY);
    dup2(null, 1);
    execl(tool.c_str(), tool.c_str(), ref.c_str(), root.c_str(), nullptr);
    _exit(127);
  }
  // Killed as soon as a layer is partly down: a big ingest file exists.
  bool killed = false;
  const std::string ingest_dir = JoinPath(root, "content/ingest");
  for (absl::Time end = absl::Now() + absl::Seconds(60);
       absl::Now() < end && !killed;) {
    absl::StatusOr<std::vector<std::string>> names = ListDir(ingest_dir);
    if (names.ok()) {
      for (const std::string& n : *names) {
        struct stat st;
        if (absl::EndsWith(n, ".partial") &&
            stat(JoinPath(ingest_dir, n).c_str(), &st) == 0 &&
            st.st_size > (2 << 20)) {
          kill(child, SIGKILL);
          killed = true;
          break;
        }
      }
    }
    if (!killed) usleep(2000);
  }
  int status = 0;
  if (!killed) kill(child, SIGKILL);
  waitpid(child, &status, 0);
  ASSERT_TRUE(killed) << "the pull ended before any layer was half down";
  ASSERT_TRUE(WIFSIGNALED(status)) << "the pull finished before the kill";

  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ImageService> service,
                       ImageService::Open(root));
  ASSERT_OK_AND_ASSIGN(std::vector<IngestStatus> partial,
                       service->content().ListIngests());
  ASSERT_FALSE(partial.empty());
  uint64_t total = 0;
  for (const IngestStatus& i : partial) {
    ASSERT_TRUE(i.expected_digest.has_value());
    EXPECT_FALSE(service->content().Has(*i.expected_digest))
        << "a half-written blob counts as present";
    EXPECT_FALSE(i.active);
    total += i.expected_size;
  }
  ASSERT_OK_AND_ASSIGN(VerifyReport verify, service->content().Verify());
  EXPECT_THAT(verify.problems, IsEmpty());
  ASSERT_OK_AND_ASSIGN(std::vector<ImageSummary> list, service->List());
  EXPECT_THAT(list, IsEmpty())
      << list.front().record.manifest_digest << " " << list.size();

  ASSERT_OK_AND_ASSIGN(PullResult pulled, service->Pull(ref));
  EXPECT_GE(pulled.stats.resumes, 1u);
  EXPECT_LT(pulled.stats.blob_bytes, total)
      << "the partial download was fetched again from its first byte";
  for (const IngestStatus& i : partial) {
    EXPECT_TRUE(service->content().Has(*i.expected_digest));
  }
  ASSERT_OK_AND_ASSIGN(ServiceVerifyReport after, service->Verify());
  EXPECT_THAT(after.content.problems, IsEmpty());
  EXPECT_THAT(after.image_problems, IsEmpty());
  ASSERT_OK_AND_ASSIGN(std::vector<IngestStatus> left,
                       service->content().ListIngests());
  EXPECT_THAT(left, IsEmpty());
}

TEST_F(RefusedPullTest, HostileLayersLeaveTheStoreAsItWas) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<LocalRegistry> registry,
                       LocalRegistry::Start());
  ASSERT_OK_AND_ASSIGN(TestImages good, crate::fixtures::PushTestImages(
                                            *registry, "", {"busybox"}));
  TempDir tmp("pull-e2e");
  ASSERT_FALSE(tmp.path().empty());
  ASSERT_OK_AND_ASSIGN(
      TestImages evil,
      crate::fixtures::PushEvilImages(*registry, JoinPath(tmp.path(), "evil")));
  ASSERT_FALSE(evil.images.empty());
  for (bool with_busybox : {false, true}) {
    const std::string root =
        JoinPath(tmp.path(), with_busybox ? "root-with-busybox" : "root-empty");
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<ImageService> service,
                         ImageService::Open(root));
    if (with_busybox) {
      ASSERT_OK(service->Pull(good.images.at("busybox").reference).status());
    }
    for (const auto& [name, image] : evil.images) {
      SCOPED_TRACE(name);
      const nlohmann::json& e = evil.json["images"][name]["evil"];
      const nlohmann::json sentinels = e.at("sentinels");
      const nlohmann::json must_not_exist = e.at("must_not_exist");
      for (const auto& [path, content] : sentinels.items()) {
        if (path[0] == '/') {
          ASSERT_OK(WriteFileAtomic(path, content.get<std::string>(), 0644));
        }
      }
      StoreState before = Snapshot(*service);
      absl::StatusOr<PullResult> r = service->Pull(image.reference);
      ASSERT_FALSE(r.ok()) << "a hostile layer was accepted";
      EXPECT_THAT(std::string(r.status().message()),
                  HasSubstr(image.reference));
      ASSERT_GE(image.layer_digests.size(), 2u);
      EXPECT_THAT(std::string(r.status().message()),
                  HasSubstr(image.layer_digests[1]));
      StoreState after = Snapshot(*service);
      EXPECT_TRUE(after == before) << "before:\n"
                                   << Describe(before) << "\nafter:\n"
                                   << Describe(after);
      EXPECT_THAT(after.ingest, IsEmpty());
      for (const auto& p : must_not_exist) {
        const std::string path = p.get<std::string>();
        if (path[0] == '/') {
          struct stat st;
          EXPECT_NE(lstat(path.c_str(), &st), 0) << path;
        }
      }
      for (const auto& [path, content] : sentinels.items()) {
        if (path[0] == '/') {
          absl::StatusOr<std::string> now = ReadFile(path, 1 << 20);
          EXPECT_TRUE(now.ok() && *now == content.get<std::string>()) << path;
          unlink(path.c_str());
        }
      }
    }
    ASSERT_OK_AND_ASSIGN(ServiceVerifyReport verify, service->Verify());
    EXPECT_THAT(verify.content.problems, IsEmpty());
  }
}

// A registry stand-in serving one manifest body with a chosen content type,
// for documents docker-registry itself would refuse to store.
class ManifestServer {
 public:
  ManifestServer(const std::string& dir, const std::string& body,
                 const std::string& content_type) {
    const std::string script = JoinPath(dir, "serve.py");
    const std::string port_file = JoinPath(dir, "port");
    EXPECT_OK(WriteFileAtomic(JoinPath(dir, "body"), body, 0644));
    EXPECT_OK(WriteFileAtomic(script,
                              absl::StrCat(R"(import http.server, sys, hashlib
body = open(sys.argv[1], 'rb').read()
class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def reply(self, send):
        self.send_response(200)
        if '/manifests/' in self.path:
            self.send_header('Content-Type', ')",
                                           content_type, R"(')
            self.send_header('Content-Length', str(len(body)))
            self.end_headers()
            if send: self.wfile.write(body)
        else:
            self.send_header('Content-Length', '0')
            self.end_headers()
    def do_GET(self): self.reply(True)
    def do_HEAD(self): self.reply(False)
s = http.server.HTTPServer(('127.0.0.1', 0), H)
open(sys.argv[2] + '.tmp', 'w').write(str(s.server_port))
import os; os.rename(sys.argv[2] + '.tmp', sys.argv[2])
s.serve_forever()
)"),
                              0644));
    pid_ = fork();
    if (pid_ == 0) {
      execlp("python3", "python3", script.c_str(),
             JoinPath(dir, "body").c_str(), port_file.c_str(), nullptr);
      _exit(127);
    }
    for (int i = 0; i < 500 && port_ == 0; ++i) {
      absl::StatusOr<std::string> p = ReadFile(port_file, 64);
      if (p.ok()) {
        absl::SimpleAtoi(*p, &port_);
      } else {
        usleep(10000);
      }
    }
  }
  ~ManifestServer() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  int port() const { return port_; }

 private:
  pid_t pid_ = -1;
  int port_ = 0;
};

TEST_F(RefusedPullTest, LyingManifestsLeaveTheStoreAsItWas) {
  ASSERT_NO_FATAL_FAILURE(Start({"layers"}));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<RegistryClient> client,
                       RegistryClient::Create(RegistryConfig()));
  const auto& layers = images_.images.at("layers");
  const std::string host = registry_->host();
  ASSERT_OK_AND_ASSIGN(FetchedManifest m,
                       client->GetManifest(host, layers.repository, "latest"));
  const nlohmann::json original = nlohmann::json::parse(m.bytes);
  const std::string lied_about = original["layers"][1]["digest"];

  struct Lie {
    std::string tag;
    std::function<void(nlohmann::json&)> edit;
    std::string reason;
  };
  std::vector<Lie> lies = {
      {"size",
       [](nlohmann::json& j) {
         j["layers"][1]["size"] = j["layers"][1]["size"].get<int64_t>() + 7;
       },
       "bytes"},
      {"digest",
       [](nlohmann::json& j) {
         // Layer 2 claims the blob of layer 3: it arrives intact, but its
         // content is not what the config's DiffID says.
         j["layers"][1]["digest"] = j["layers"][2]["digest"];
         j["layers"][1]["size"] = j["layers"][2]["size"];
       },
       "DiffID|hashes to|diff"},
      {"mediatype",
       [](nlohmann::json& j) {
         j["layers"][1]["mediaType"] = "application/vnd.example.unknown";
       },
       "media type"},
  };
  // Pulled first so that the lies reuse blobs the store has.
  ASSERT_OK(service_->Pull(layers.reference).status());
  for (const Lie& lie : lies) {
    SCOPED_TRACE(lie.tag);
    nlohmann::json j = original;
    lie.edit(j);
    ASSERT_OK(client
                  ->PutManifest(host, layers.repository, "lie-" + lie.tag,
                                j.dump(), m.media_type)
                  .status());
    const std::string ref =
        absl::StrCat(host, "/", layers.repository, ":lie-", lie.tag);
    for (bool fresh : {true, false}) {
      ImageService* s = service_.get();
      std::unique_ptr<ImageService> empty;
      if (fresh) {
        ASSERT_OK_AND_ASSIGN(empty, ImageService::Open(JoinPath(
                                        tmp_.path(), "fresh-" + lie.tag)));
        s = empty.get();
      }
      StoreState before = Snapshot(*s);
      absl::StatusOr<PullResult> r = s->Pull(ref);
      ASSERT_FALSE(r.ok()) << "a lying manifest was accepted";
      const std::string msg(r.status().message());
      EXPECT_THAT(msg, HasSubstr(ref));
      EXPECT_THAT(msg, ::testing::ContainsRegex(lie.reason));
      // The blob the lie is about, or for a document the parser refuses,
      // the manifest and the field.
      const std::string blob =
          lie.tag == "mediatype" ? "layers[1]"
          : lie.tag == "digest"
              ? original["layers"][2]["digest"].get<std::string>()
              : lied_about;
      EXPECT_THAT(msg, HasSubstr(blob));
      StoreState after = Snapshot(*s);
      EXPECT_TRUE(after == before) << "before:\n"
                                   << Describe(before) << "\nafter:\n"
                                   << Describe(after);
      // No empty or unusable .partial, .json or .lock of the lied-about
      // blob (the size lie truncates what arrived) is left for a resume.
      EXPECT_THAT(after.ingest, IsEmpty());
    }
  }

  // Documents no registry would store: served by a stand-in.
  struct Bad {
    std::string name;
    std::string body;
    std::string content_type;
    std::string reason;
  };
  std::vector<Bad> bad = {
      {"malformed", "{\"schemaVersion\": 2, \"layers\": [", m.media_type,
       "JSON|json|parse"},
      {"unknown-type",
       nlohmann::json{{"schemaVersion", 2},
                      {"mediaType", "application/vnd.example.manifest+json"}}
           .dump(),
       "application/vnd.example.manifest+json", "media type"},
  };
  for (const Bad& b : bad) {
    SCOPED_TRACE(b.name);
    const std::string dir = JoinPath(tmp_.path(), "server-" + b.name);
    ASSERT_OK(MakeDirs(dir));
    ManifestServer server(dir, b.body, b.content_type);
    ASSERT_GT(server.port(), 0);
    const std::string ref =
        absl::StrCat("127.0.0.1:", server.port(), "/crate-test/bad:latest");
    StoreState before = Snapshot(*service_);
    absl::StatusOr<PullResult> r = service_->Pull(ref);
    ASSERT_FALSE(r.ok());
    const std::string msg(r.status().message());
    EXPECT_THAT(msg, HasSubstr("crate-test/bad"));
    EXPECT_THAT(msg, HasSubstr("manifest"));
    EXPECT_THAT(msg, ::testing::ContainsRegex(b.reason));
    EXPECT_TRUE(Snapshot(*service_) == before);
  }
}

TEST_F(RefusedPullTest, LayersPastTheImageBoundLeaveTheStoreAsItWas) {
  ASSERT_NO_FATAL_FAILURE(Start({"layers"}));
  const auto& layers = images_.images.at("layers");
  // What the layers decompress to, each and together.
  ASSERT_OK(service_->Pull(layers.reference).status());
  ASSERT_OK_AND_ASSIGN(Image image, service_->Inspect(layers.reference));
  ASSERT_GE(image.manifest.layers.size(), 2u);
  uint64_t sum = 0, largest = 0;
  ApplyOptions flat;
  flat.whiteouts = WhiteoutMode::kFlatten;
  for (const Descriptor& d : image.manifest.layers) {
    ASSERT_OK_AND_ASSIGN(UniqueFd fd, service_->content().OpenBlob(d.digest));
    ASSERT_OK_AND_ASSIGN(
        ApplyResult r,
        ApplyLayerFromFd(fd.get(), JoinPath(tmp_.path(), "flat"), flat));
    sum += r.uncompressed_bytes;
    largest = std::max(largest, r.uncompressed_bytes);
  }
  ASSERT_LT(largest, sum - 1) << "every layer alone must fit";

  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ImageService> bounded,
                       ImageService::Open(JoinPath(tmp_.path(), "bounded")));
  PullOptions options;
  options.max_image_bytes = sum - 1;
  StoreState before = Snapshot(*bounded);
  absl::StatusOr<PullResult> r = bounded->Pull(layers.reference, options);
  ASSERT_FALSE(r.ok()) << "an image past its bound was accepted";
  EXPECT_EQ(r.status().code(), absl::StatusCode::kResourceExhausted)
      << r.status();
  const std::string msg(r.status().message());
  EXPECT_THAT(msg, HasSubstr(layers.reference));
  EXPECT_THAT(
      msg, HasSubstr(absl::StrCat("more than ", sum - 1, " bytes together")));
  EXPECT_THAT(msg, HasSubstr("the configured limit per image"));
  StoreState after = Snapshot(*bounded);
  EXPECT_TRUE(after == before) << "before:\n"
                               << Describe(before) << "\nafter:\n"
                               << Describe(after);
  EXPECT_THAT(after.ingest, IsEmpty());
  // Exactly the sum is enough.
  options.max_image_bytes = sum;
  ASSERT_OK(bounded->Pull(layers.reference, options).status());
}

}  // namespace
}  // namespace crate::registry
